package app

import "fmt"

// The pattern panel: the chosen face's fMRI pattern as a mosaic of axial
// slices (mosaic.go), with the regions outlined and the voxels outside the
// current region greyed, beside the face as shown and as decoded.

// patternPanel is the mosaic of the current subject, repainted whenever the
// face, the region or the trials change.
type patternPanel struct {
	mosaic *Mosaic
	// version is bumped by every paint, of this subject's mosaic or of
	// another's, so that a view that keeps one texture re-uploads it.
	version int
}

func (a *App) repaintMosaic() {
	var pattern []float32 // none while the fewer-trial patterns download: an empty mosaic
	if s := a.Subject(); a.subset < 0 || !s.SubsetsPending() {
		pattern = s.Pattern(a.subset, a.sel)
	}
	a.pattern.mosaic.Paint(pattern, a.roi)
	a.pattern.version++
}

// PatternView is what the pattern panel shows, for the frame being drawn:
// the chosen face Sel of N, and the mosaic of its pattern, W×H pixels RGBA
// (which the caller must not modify); Version changes whenever they do.
type PatternView struct {
	Sel, N int
	Voxels int // the subject's voxels, all regions

	W, H    int
	RGBA    []byte
	Version int
}

// Pattern returns what the pattern panel shows now.
func (a *App) Pattern() PatternView {
	m := a.pattern.mosaic
	return PatternView{Sel: a.sel, N: a.N(), Voxels: a.Subject().V, W: m.W, H: m.H, RGBA: m.RGBA, Version: a.pattern.version}
}

// DescribePattern describes the mosaic of the selected face's pattern.
func (a *App) DescribePattern() string {
	s := a.Subject()
	if a.subset >= 0 && s.SubsetsPending() {
		return fmt.Sprintf("Pattern of face %d of %d, %s, %s: downloading (the fewer-trial patterns come with the subject's region decoders).", a.sel+1, s.N, s.ID, a.TrialsLabel())
	}
	return fmt.Sprintf("Pattern of face %d of %d, %s, %s: %d voxels in %d slices; highlighted: %s. Occipital outlined yellow, temporal green, frontoparietal purple; red is a positive response, blue negative.",
		a.sel+1, s.N, s.ID, a.TrialsLabel(), s.V, a.mosaicSlices(), a.ROILabel())
}

func (a *App) mosaicSlices() int {
	s := a.Subject()
	lo, hi := int16(32767), int16(-32768)
	for v := 0; v < s.V; v++ {
		lo, hi = min(lo, s.IJK[3*v+2]), max(hi, s.IJK[3*v+2])
	}
	return int(hi-lo) + 1
}
