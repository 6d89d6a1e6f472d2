package analysis

import (
	"fmt"
	"sort"

	"fmriface/neuro/decoding"
)

// Budget returns the fit restricted to n of its selected voxels, for a site
// whose decoders must stay small: a subject at the real study's scale
// selects tens of thousands of voxels, and a browser downloads a row of L
// values per voxel. Each ROI keeps its share of the selection (so that each
// keeps more voxels than W has rows, as its decoder needs, whenever the
// budget allows), and within an ROI the voxels with the largest F of the
// modulators, the selection statistic that measures how much of the latent
// a voxel carries. W, the patterns and the subsets are restricted to those
// voxels and the decoders rebuilt on them (not cut from the full decoders:
// the inverse of WWᵀ depends on the voxels kept). With n at least the
// selection, it returns mf.
func (mf *ModelFit) Budget(n int) (*ModelFit, error) {
	if n <= 0 {
		return nil, fmt.Errorf("voxel budget %d: want a positive count", n)
	}
	if len(mf.SelectedF) != len(mf.Selected) || mf.W == nil {
		return nil, fmt.Errorf("voxel budget: the fit has no selection statistics")
	}
	if n >= len(mf.Selected) {
		return mf, nil
	}
	keep := mf.budgetVoxels(n)
	newPos := make(map[int]int, n)
	for k, p := range keep {
		newPos[p] = k
	}
	b := &ModelFit{Model: mf.Model, L: mf.L, Layout: mf.Layout, DOF: mf.DOF, TThreshold: mf.TThreshold,
		FThreshold: mf.FThreshold, NMask: mf.NMask, Means: mf.Means, Decoded: map[string]*Decoded{},
		ROIErrors: map[string]string{}, Seconds: mf.Seconds, SubsetTrials: mf.SubsetTrials}
	for _, p := range keep {
		b.Selected = append(b.Selected, mf.Selected[p])
		b.SelectedF = append(b.SelectedF, mf.SelectedF[p])
	}
	var err error
	if b.W, err = decoding.Columns(mf.W, keep); err != nil {
		return nil, err
	}
	if b.TestPatterns, err = decoding.Columns(mf.TestPatterns, keep); err != nil {
		return nil, err
	}
	if mf.Subsets != nil {
		if b.Subsets, err = decoding.Columns(mf.Subsets, keep); err != nil {
			return nil, err
		}
	}
	if mf.ImageryPattern != nil {
		b.ImageryPattern = make([]float64, n)
		for k, p := range keep {
			b.ImageryPattern[k] = mf.ImageryPattern[p]
		}
	}
	remap := func(src []int) []int {
		var out []int
		for _, p := range src {
			if k, ok := newPos[p]; ok {
				out = append(out, k)
			}
		}
		return out
	}
	b.ROIs = decoding.ROIs{All: remap(mf.ROIs.All), Occipital: remap(mf.ROIs.Occipital),
		Temporal: remap(mf.ROIs.Temporal), Frontoparietal: remap(mf.ROIs.Frontoparietal)}
	b.Decoders = map[string]*decoding.Decoder{}
	if b.Decoded[VariantOLS], err = b.decodeAll(b.W, b.Decoders); err != nil {
		return nil, err
	}
	return b, nil
}

// budgetVoxels picks the n voxels of Budget, as ascending positions in
// mf.Selected: per ROI its share of n (largest remainders), its voxels of
// largest F; voxels in no ROI (none, when ROIs partition the selection)
// compete for what is left.
func (mf *ModelFit) budgetVoxels(n int) []int {
	V := len(mf.Selected)
	parts := [][]int{mf.ROIs.Occipital, mf.ROIs.Temporal, mf.ROIs.Frontoparietal}
	inROI := make([]bool, V)
	for _, p := range parts {
		for _, v := range p {
			inROI[v] = true
		}
	}
	var rest []int
	for v := 0; v < V; v++ {
		if !inROI[v] {
			rest = append(rest, v)
		}
	}
	parts = append(parts, rest)
	quota := make([]int, len(parts))
	type rem struct {
		part int
		frac float64
	}
	var rems []rem
	given := 0
	for i, p := range parts {
		exact := float64(n) * float64(len(p)) / float64(V)
		quota[i] = int(exact)
		given += quota[i]
		rems = append(rems, rem{i, exact - float64(quota[i])})
	}
	sort.SliceStable(rems, func(a, b int) bool { return rems[a].frac > rems[b].frac })
	for i := 0; given < n && i < len(rems); i++ {
		if quota[rems[i].part] < len(parts[rems[i].part]) {
			quota[rems[i].part]++
			given++
		}
	}
	var keep []int
	for i, p := range parts {
		order := append([]int(nil), p...)
		sort.SliceStable(order, func(a, b int) bool { return mf.SelectedF[order[a]] > mf.SelectedF[order[b]] })
		keep = append(keep, order[:quota[i]]...)
	}
	sort.Ints(keep)
	return keep
}
