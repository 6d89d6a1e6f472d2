package app

import (
	"fmriface/contract/sitedata"
	"fmt"
)

// The selection every panel shares: the subject (S; downloads.go fetches
// one not yet here), the brain region (R), the trials averaged per face (T)
// and the chosen test face (faces.go). Each change decodes the view again
// (plan.go) and says what it shows.

// selectSubject makes loaded subject k the current one, keeping the region
// and, where the subject has them, the trials and the chosen face.
func (a *App) selectSubject(k int) {
	a.sub = k
	s := a.Subject()
	if a.subset >= s.R() {
		a.subset = -1
	}
	a.sel = min(a.sel, s.N-1)
	a.shown = a.images(a.shown, s.N)
	a.decoded = a.images(a.decoded, s.N)
	a.cmp.decoded = a.images(a.cmp.decoded, s.N)
	for i := range a.shown {
		a.shown[i].ready = false
	}
	a.imagery.resize(a, s.N)
	a.pattern.mosaic = NewMosaic(s)
	a.pair = newPairwiseGame(s.N, a.rng.Uint64())
	a.replan()
}

// saySubject announces the current subject and what its view does next.
func (a *App) saySubject() {
	a.say("Subject %s (%d voxels, %s, %s). %s", a.Subject().ID, a.Subject().V, a.ROILabel(), a.TrialsLabel(), a.decodingNote())
}

// stepROI answers R (d = 1) and Shift+R (d = −1): the next region.
func (a *App) stepROI(d int) {
	a.roi = (a.roi + d + sitedata.NumROIs) % sitedata.NumROIs
	a.replan()
	a.say("Region: %s. %s", a.ROILabel(), a.decodingNote())
}

// stepTrials answers T (d = 1) and Shift+T (d = −1). Cycling all → subsets
// in order of decreasing trial count is the exporter's order; this just
// walks −1, 0, …, R−1.
func (a *App) stepTrials(d int) {
	n := a.Subject().R() + 1
	a.subset = (a.subset+1+d+n)%n - 1
	a.replan()
	a.say("Trials: %s per face. %s", a.TrialsLabel(), a.decodingNote())
}

// decodingNote says what follows a change of view: decoding, or waiting for
// the region's decoder (or the fewer-trial patterns) to download.
func (a *App) decodingNote() string {
	if viewHere(a.Subject(), a.roi, a.subset) {
		return "Decoding…"
	}
	return fmt.Sprintf("Its decoder is downloading (%s); the faces are decoded when it arrives.", megabytes(a.subjectBytes(a.Subject().ID, true)))
}

// TrialsLabel describes the current trial selection.
func (a *App) TrialsLabel() string {
	if a.subset < 0 {
		return "all trials"
	}
	n := a.Subject().SubsetTrials[a.subset]
	if n == 1 {
		return "1 trial"
	}
	return fmt.Sprintf("%d trials", n)
}

// ROILabel describes the current region with its voxel count.
func (a *App) ROILabel() string {
	return fmt.Sprintf("%s voxels (%d)", sitedata.ROIName(a.roi), len(a.Subject().ROIs[a.roi].Index))
}
