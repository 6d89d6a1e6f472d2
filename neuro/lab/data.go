package lab

import (
	"fmt"
	"math"
	"sort"
)

// Latent spaces.
const (
	SpaceVAEGAN = "vaegan"
	SpacePCA    = "pca"
)

// Regions a run can use (Config.Region); the index of a name is the ROI label
// of neuro/sim (1 occipital, 2 temporal, 3 frontoparietal).
var Regions = []string{"all", "occipital", "temporal", "frontoparietal"}

// TestFaces is the number of test faces of the paper's design.
const TestFaces = 20

// Data is what a lab run reads: the faces' stimulus features and true
// latents, and the virtual subjects' voxels.
type Data struct {
	// Train and Test are the numbers of training and test faces; rows of
	// Features and of each space's latents are the training faces first.
	Train, Test int
	// K is the number of stimulus features; Features is (Train+Test) × K.
	K        int
	Features []float32
	// P is the latent dimension; Latents maps a space (SpaceVAEGAN,
	// SpacePCA) to its (Train+Test) × P latents. A space may be missing
	// until its data are loaded.
	P       int
	Latents map[string][]float32
	// NoiseUnit is the noise standard deviation of one trial at noise
	// scale 1, in the loadings' units (percent signal change).
	NoiseUnit float64
	// TestReps is the full experiment's number of presentations of a test
	// face (the pipeline pools them).
	TestReps int
	// DriveKept is the share of the simulator's drive variance that the K
	// features keep (over every subject's voxels), for the record.
	DriveKept float64
	Subjects  []Subject
}

// Subject is one virtual subject's voxels.
type Subject struct {
	Name string
	// Noise is the subject's noise scale in the full experiment.
	Noise float64
	// ROI is each voxel's region label (1…3).
	ROI []uint8
	// Load is K × V: the voxel's response change per unit of each feature
	// (the simulator's modulation times the drive's loading), in percent.
	Load []float32
	// order lists the voxels by decreasing tuning strength (the norm of
	// their loading column), ties by index.
	order []int
}

// Voxels is the subject's number of voxels.
func (s *Subject) Voxels() int { return len(s.ROI) }

// Validate checks the shapes and values of the data.
func (d *Data) Validate() error {
	if d.Train < 2 || d.Test != TestFaces {
		return fmt.Errorf("lab data: %d training and %d test faces, want ≥ 2 and %d", d.Train, d.Test, TestFaces)
	}
	n := d.Train + d.Test
	if d.K < 1 || len(d.Features) != n*d.K {
		return fmt.Errorf("lab data: features hold %d values, want %d faces × %d", len(d.Features), n, d.K)
	}
	if d.P < 2 || len(d.Latents) == 0 {
		return fmt.Errorf("lab data: latent dimension %d with %d spaces", d.P, len(d.Latents))
	}
	for name, z := range d.Latents {
		if name != SpaceVAEGAN && name != SpacePCA {
			return fmt.Errorf("lab data: unknown latent space %q", name)
		}
		if len(z) != n*d.P {
			return fmt.Errorf("lab data: %s latents hold %d values, want %d × %d", name, len(z), n, d.P)
		}
		if i := firstNonFinite(z); i >= 0 {
			return fmt.Errorf("lab data: %s latent %d is not finite", name, i)
		}
	}
	if i := firstNonFinite(d.Features); i >= 0 {
		return fmt.Errorf("lab data: feature value %d is not finite", i)
	}
	if !(d.NoiseUnit > 0) || math.IsInf(d.NoiseUnit, 0) || d.TestReps < 1 {
		return fmt.Errorf("lab data: noise unit %v and test repetitions %d must be positive", d.NoiseUnit, d.TestReps)
	}
	if len(d.Subjects) == 0 {
		return fmt.Errorf("lab data: no subjects")
	}
	for i := range d.Subjects {
		s := &d.Subjects[i]
		V := len(s.ROI)
		if s.Name == "" || V == 0 || len(s.Load) != d.K*V {
			return fmt.Errorf("lab data: subject %d (%q): %d voxels, %d loadings, want %d × %d", i, s.Name, V, len(s.Load), d.K, V)
		}
		if !(s.Noise > 0) || math.IsInf(s.Noise, 0) {
			return fmt.Errorf("lab data: subject %s: noise scale %v must be positive", s.Name, s.Noise)
		}
		for v, r := range s.ROI {
			if r < 1 || int(r) >= len(Regions) {
				return fmt.Errorf("lab data: subject %s: voxel %d has region label %d, want 1 to %d", s.Name, v, r, len(Regions)-1)
			}
		}
		if j := firstNonFinite(s.Load); j >= 0 {
			return fmt.Errorf("lab data: subject %s: loading %d is not finite", s.Name, j)
		}
		s.order = strengthOrder(s.Load, d.K, V)
	}
	return nil
}

// Subject returns the subject named name.
func (d *Data) Subject(name string) (*Subject, error) {
	for i := range d.Subjects {
		if d.Subjects[i].Name == name {
			return &d.Subjects[i], nil
		}
	}
	return nil, fmt.Errorf("lab: no subject %q in the lab data", name)
}

// Clamp fits c's counts to the data: the training faces at most the data's
// and the voxels at most the region's (0 stays "all"). A link's or a
// preset's settings, written for the site's data, then still run on smaller
// data (a test fixture).
func (d *Data) Clamp(c Config) Config {
	c.Train = min(c.Train, d.Train)
	if s, err := d.Subject(c.Subject); err == nil && c.Voxels > 0 {
		c.Voxels = min(c.Voxels, s.RegionVoxels(c.Region))
	}
	return c
}

// RegionVoxels is the number of the subject's voxels in a region ("all" or
// a name of Regions).
func (s *Subject) RegionVoxels(region string) int {
	lab := regionLabel(region)
	if lab == 0 {
		return len(s.ROI)
	}
	n := 0
	for _, r := range s.ROI {
		if int(r) == lab {
			n++
		}
	}
	return n
}

// pick returns the first count voxels of the region in order of decreasing
// tuning strength, sorted by index (count ≤ 0: all of them).
func (s *Subject) pick(region string, count int) []int {
	lab := regionLabel(region)
	var out []int
	for _, v := range s.order {
		if lab == 0 || int(s.ROI[v]) == lab {
			out = append(out, v)
			if count > 0 && len(out) == count {
				break
			}
		}
	}
	sort.Ints(out)
	return out
}

func regionLabel(region string) int {
	for i, r := range Regions {
		if r == region {
			return i
		}
	}
	return -1
}

func strengthOrder(load []float32, K, V int) []int {
	norm := make([]float64, V)
	for k := 0; k < K; k++ {
		row := load[k*V : (k+1)*V]
		for v, x := range row {
			norm[v] += float64(x) * float64(x)
		}
	}
	order := make([]int, V)
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return norm[order[a]] > norm[order[b]] })
	return order
}

func firstNonFinite(x []float32) int {
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
			return i
		}
	}
	return -1
}
