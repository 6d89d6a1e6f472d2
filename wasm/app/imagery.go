package app

import (
	"fmriface/infer/site"
	"fmt"
)

// The imagery panel: the face decoded from the pattern of a face the
// subject imagined, and the N candidates ranked by the correlation of
// their latents with the decoded one (the imagined face framed).

// imageryPanel is the imagery face, its candidates and their ranking.
type imageryPanel struct {
	image      imageBuf   // generator(ẑ) of the imagery pattern
	candidates []imageBuf // generator(latent) of each candidate
	z          []float32  // the decoded imagery latent (the end of App.zall)
	ready      bool       // z is decoded

	// The ranking, set with the other results when every latent is decoded.
	scores []float64 // r(ẑ, candidate j)
	order  []int     // the candidates, best first
	rank   int       // the imagined face's place in order, from 1
}

// resize sizes the candidates for a subject of n faces, none drawn.
func (p *imageryPanel) resize(a *App, n int) {
	p.candidates = a.images(p.candidates, n)
	if p.image.rgba == nil {
		p.image.rgba = a.newRGBA()
	}
	for i := range p.candidates {
		p.candidates[i].ready = false
	}
}

// score ranks s's imagery candidates by correlation with the decoded
// imagery latent.
func (p *imageryPanel) score(s *site.Subject) {
	p.scores = make([]float64, s.N)
	for j := range s.N {
		p.scores[j] = Pearson(p.z, s.ImageryLatent(j))
	}
	p.order = Order(p.scores)
	p.rank = Rank(p.scores, s.ImageryTarget)
}

// queueImagery queues the imagery face (when the view's decoder is here)
// and the candidates not yet drawn.
func (a *App) queueImagery(decode bool) {
	if decode {
		a.sched.Push(&job{a: a, kind: jobImagery})
	}
	for i := range a.Subject().N {
		if !a.imagery.candidates[i].ready {
			a.sched.Push(&job{a: a, kind: jobCandidate, i: i})
		}
	}
}

// replanImageryFirst moves the imagery work to the front of the queue.
func (a *App) replanImageryFirst() {
	// The imagery image waits for the latent batch (queued first); the
	// candidates need no decoding and can go ahead of everything.
	s := a.Subject()
	for i := s.N - 1; i >= 0; i-- {
		if !a.imagery.candidates[i].ready {
			a.sched.PushFront(&job{a: a, kind: jobCandidate, i: i})
		}
	}
}

// ImageryView is what the imagery panel shows, for the frame being drawn:
// the face decoded from the imagery pattern, and N candidates, of which
// Target is the imagined face. The ranking is valid when Ready.
type ImageryView struct {
	N      int
	Image  Image
	Target int
	Ready  bool
	Rank   int // the imagined face's place among the N, from 1

	p *imageryPanel
}

// Imagery returns what the imagery panel shows now.
func (a *App) Imagery() ImageryView {
	p := &a.imagery
	return ImageryView{N: a.N(), Image: p.image.handle(), Target: a.Subject().ImageryTarget, Ready: a.Ready(), Rank: p.rank, p: p}
}

// Order is the candidate in place k of the ranking (from 0), best first;
// candidate k until the ranking is Ready.
func (v ImageryView) Order(k int) int {
	if !v.Ready {
		return k
	}
	return v.p.order[k]
}

// Candidate is candidate i's face.
func (v ImageryView) Candidate(i int) Image { return v.p.candidates[i].handle() }

// Score is the correlation of candidate i's latent with the decoded one.
func (v ImageryView) Score(i int) float64 { return v.p.scores[i] }

// DescribeImagery describes the imagery ranking.
func (a *App) DescribeImagery() string {
	s := a.Subject()
	if !a.Ready() {
		return "Imagery: decoding."
	}
	return fmt.Sprintf("Imagery, %s, %s: the imagined face ranks %d of %d candidates by correlation with the decoded imagery pattern.",
		s.ID, a.ROILabel(), a.imagery.rank, s.N)
}
