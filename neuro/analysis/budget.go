package analysis

import (
	"fmt"
	"sort"

	"fmriface/neuro/decoding"
)

// Budget returns the fit restricted to the n selected voxels with the
// largest F of the modulators (the selection statistic that measures how
// much of the latent a voxel carries), for a site whose decoders must stay
// small: a subject at the real study's scale selects tens of thousands of
// voxels, and a browser downloads L bits-wide rows per voxel. W, the
// patterns and the subsets are restricted to those voxels and the decoders
// rebuilt on them (not the full decoders' rows: the inverse of WWᵀ depends
// on the voxels kept). With n at least the selection, it returns mf.
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
	order := make([]int, len(mf.Selected))
	for i := range order {
		order[i] = i
	}
	sort.SliceStable(order, func(a, b int) bool { return mf.SelectedF[order[a]] > mf.SelectedF[order[b]] })
	keep := append([]int(nil), order[:n]...)
	sort.Ints(keep)
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
