package app

import (
	"fmriface/infer/site"
	"fmt"
	"strings"
)

// The faces panel: each test face as shown and as decoded from its fMRI
// pattern, with its scores once every latent of the view is decoded: the
// pairwise accuracy over the N·(N−1) ordered pairs (chance 50%) and each
// face's rank among the N. These scores are also what the pairwise panel
// and the announcements quote. The chosen face (arrows, a click) is shared
// with the pattern and gender panels.

// faceScores are the scores of the view's decoded faces; corr is nil until
// every latent of the view is decoded (App.Ready).
type faceScores struct {
	corr        []float64 // N×N: decoded i vs true j
	pairCorrect int
	pairTotal   int
	perFace     []int // pairwise count of each face out of N−1
	ranks       []int // rank of the true face among the N for each decoded face
}

// scoreFaces scores the decoded latents zhat (N×L) against s's true ones.
func scoreFaces(zhat []float32, s *site.Subject) faceScores {
	n := s.N
	f := faceScores{corr: make([]float64, n*n), perFace: make([]int, n), ranks: make([]int, n)}
	CorrMatrix(zhat, s.Latents, n, s.L, f.corr)
	f.pairCorrect, f.pairTotal = Pairwise(f.corr, n, f.perFace)
	for i := range n {
		f.ranks[i] = Rank(f.corr[i*n:(i+1)*n], i)
	}
	return f
}

// rankedFirst counts the decoded faces closest to their own true face.
func (f *faceScores) rankedFirst() int {
	c := 0
	for _, r := range f.ranks {
		if r == 1 {
			c++
		}
	}
	return c
}

// FacesView is what the faces panel shows, for the frame being drawn. The
// scores (Rank, Beats) are valid when Ready; the faces themselves are
// App.Shown and App.Decoded.
type FacesView struct {
	N, Sel int
	Ready  bool
	// The pairwise accuracy of the view's decoded faces: PairCorrect of
	// PairTotal ordered pairs. They keep the last view's values until
	// Ready.
	PairCorrect, PairTotal int

	f *faceScores
}

// Faces returns what the faces panel shows now.
func (a *App) Faces() FacesView {
	f := &a.faces
	return FacesView{N: a.N(), Sel: a.sel, Ready: a.Ready(), PairCorrect: f.pairCorrect, PairTotal: f.pairTotal, f: f}
}

// Rank is the rank of face i's true latent among the N by correlation with
// its decoded latent (1 is best).
func (v FacesView) Rank(i int) int { return v.f.ranks[i] }

// Beats is the number of the N−1 other faces that decoded face i tells
// apart from its own (pairwise).
func (v FacesView) Beats(i int) int { return v.f.perFace[i] }

// DescribeFace describes test face i of the current view.
func (a *App) DescribeFace(i int) string {
	s := a.Subject()
	var b strings.Builder
	fmt.Fprintf(&b, "Face %d of %d, %s, %s, %s: ", i+1, s.N, s.ID, a.ROILabel(), a.TrialsLabel())
	if !a.decoded[i].ready {
		b.WriteString("decoding.")
		return b.String()
	}
	fmt.Fprintf(&b, "decoded in %s", Ms(a.decoded[i].elapsed))
	if a.Ready() {
		fmt.Fprintf(&b, "; read as %s (shown face: %s); rank %d of %d; beats %d of %d other faces",
			sex(a.gender.maleDecoded[i]), sex(s.Male[i] == 1), a.faces.ranks[i], s.N, a.faces.perFace[i], s.N-1)
		if a.cmp.on && a.compareReady() {
			p := &a.cmp.scores
			fmt.Fprintf(&b, "; through PCA: rank %d, beats %d", p.ranks[i], p.perFace[i])
		}
	}
	b.WriteString(".")
	return b.String()
}

// faceKey answers the arrows on the panels that choose a face (faces,
// pattern, gender): Left and Right step one face, Up and Down a row of 5.
func (a *App) faceKey(k Key) {
	d := 0
	switch k {
	case KeyLeft:
		d = -1
	case KeyRight:
		d = 1
	case KeyUp:
		d = -5
	case KeyDown:
		d = 5
	}
	if d == 0 {
		return
	}
	n := a.N()
	a.selectFace(((a.sel+d)%n + n) % n)
}

// SelectFace makes test face i the chosen one (the faces, pattern and
// gender panels), as the arrows do. An i out of range is ignored.
func (a *App) SelectFace(i int) {
	if i < 0 || i >= a.N() {
		return
	}
	a.rev++
	a.selectFace(i)
}

// selectFace chooses face i and says what it shows.
func (a *App) selectFace(i int) {
	a.sel = i
	a.repaintMosaic()
	if a.panel == PanelPattern {
		a.say("%s", a.DescribePattern())
	} else {
		a.say("%s", a.DescribeFace(a.sel))
	}
}
