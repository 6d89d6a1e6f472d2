package decoding

import (
	"fmt"
	"math"
	"sort"
)

// Above returns the mask stat[i] > threshold (NaN is never above).
func Above(stat []float64, threshold float64) []bool {
	m := make([]bool, len(stat))
	for i, s := range stat {
		m[i] = s > threshold
	}
	return m
}

// And intersects masks of equal length.
func And(masks ...[]bool) ([]bool, error) {
	if len(masks) == 0 {
		return nil, fmt.Errorf("decoding: no masks to intersect")
	}
	out := append([]bool(nil), masks[0]...)
	for i, m := range masks[1:] {
		if len(m) != len(out) {
			return nil, fmt.Errorf("decoding: mask %d has %d voxels, mask 0 has %d", i+1, len(m), len(out))
		}
		for j, b := range m {
			out[j] = out[j] && b
		}
	}
	return out, nil
}

// Indices returns the positions of the true entries, ascending.
func Indices(mask []bool) []int {
	var out []int
	for i, b := range mask {
		if b {
			out = append(out, i)
		}
	}
	return out
}

// Select is the paper's voxel selection: t (face > fixation) above tThr and
// F (modulators over the face regressor alone) above fThr. It returns the
// selected voxel indices, ascending.
func Select(t, f []float64, tThr, fThr float64) ([]int, error) {
	m, err := And(Above(t, tThr), Above(f, fThr))
	if err != nil {
		return nil, err
	}
	return Indices(m), nil
}

// Coord is a voxel position in RAS orientation: X to the right, Y anterior,
// Z superior.
type Coord struct{ X, Y, Z float64 }

// ROI names, as used in reports and exported files.
const (
	ROIAll            = "all"
	ROIOccipital      = "occipital"
	ROITemporal       = "temporal"
	ROIFrontoparietal = "frontoparietal"
)

// ROINames lists the ROIs in report order.
func ROINames() []string {
	return []string{ROIAll, ROIOccipital, ROITemporal, ROIFrontoparietal}
}

// ROIs holds voxel indices per region, each ascending.
type ROIs struct {
	All, Occipital, Temporal, Frontoparietal []int
}

// Get returns the voxels of the named ROI.
func (r ROIs) Get(name string) ([]int, bool) {
	switch name {
	case ROIAll:
		return r.All, true
	case ROIOccipital:
		return r.Occipital, true
	case ROITemporal:
		return r.Temporal, true
	case ROIFrontoparietal:
		return r.Frontoparietal, true
	}
	return nil, false
}

// SplitROIs splits the selected voxels as the paper does: the round(n/3)
// most posterior (smallest Y) are occipital; of the rest, the lower half
// (smallest Z; the upper gets the extra voxel when odd) is temporal and the
// upper half frontoparietal. Ties are broken by voxel index, so the split
// is deterministic.
func SplitROIs(coords []Coord, selected []int) (ROIs, error) {
	n := len(selected)
	if n < 3 {
		return ROIs{}, fmt.Errorf("decoding: %d selected voxels are too few to split into 3 ROIs", n)
	}
	seen := make(map[int]bool, n)
	for _, i := range selected {
		if i < 0 || i >= len(coords) {
			return ROIs{}, fmt.Errorf("decoding: selected voxel %d has no coordinate (%d given)", i, len(coords))
		}
		if seen[i] {
			return ROIs{}, fmt.Errorf("decoding: voxel %d selected twice", i)
		}
		seen[i] = true
		c := coords[i]
		if math.IsNaN(c.X) || math.IsNaN(c.Y) || math.IsNaN(c.Z) {
			return ROIs{}, fmt.Errorf("decoding: voxel %d has a NaN coordinate", i)
		}
	}
	byY := append([]int(nil), selected...)
	sort.Slice(byY, func(a, b int) bool {
		ya, yb := coords[byY[a]].Y, coords[byY[b]].Y
		if ya != yb {
			return ya < yb
		}
		return byY[a] < byY[b]
	})
	nOcc := int(math.Round(float64(n) / 3))
	rest := byY[nOcc:]
	sort.Slice(rest, func(a, b int) bool {
		za, zb := coords[rest[a]].Z, coords[rest[b]].Z
		if za != zb {
			return za < zb
		}
		return rest[a] < rest[b]
	})
	nTemp := len(rest) / 2
	r := ROIs{
		All:            sorted(selected),
		Occipital:      sorted(byY[:nOcc]),
		Temporal:       sorted(rest[:nTemp]),
		Frontoparietal: sorted(rest[nTemp:]),
	}
	return r, nil
}

func sorted(s []int) []int {
	out := append([]int(nil), s...)
	sort.Ints(out)
	return out
}
