package app

import (
	"time"

	"fmriface/infer/site"
)

// Planning the work of a view. Every change of view (subject, region,
// trials) drops the queued work and queues what the new view needs, in the
// order it matters on screen; the jobs (job.go) then run a slice a frame.
// When the last latent is decoded every panel scores the view
// (computeResults), and when the last decoded face is drawn the results are
// announced.

// replan drops queued work and queues what the current view needs: decoded
// faces (their latents first matter for the results), shown faces, imagery.
func (a *App) replan() {
	a.sched.Clear()
	a.forgetLatents()
	a.repaintMosaic()
	decode := a.decoderHere()
	a.queueFirstFace(decode)
	imageryFirst := a.panel == PanelImagery
	if imageryFirst {
		a.queueImagery(decode)
	}
	a.queueFaces(decode)
	if !imageryFirst {
		a.queueImagery(decode)
	}
	if !a.explore.image.ready || a.explore.drawn != a.explore.rev {
		a.queueExplore(a.panel == PanelExplore)
	}
	// The comparison and the results panel come after the view's own
	// faces (compare.go, results.go).
	a.showCompare()
	a.queueResults()
}

// forgetLatents marks every decoded latent and image of the view, and so
// its results, out of date (sizing the latents for the subject).
func (a *App) forgetLatents() {
	s := a.Subject()
	if len(a.zall) != (s.N+1)*s.L {
		a.zall = make([]float32, (s.N+1)*s.L)
		a.zhat, a.imagery.z = a.zall[:s.N*s.L], a.zall[s.N*s.L:]
		a.zReady = make([]bool, s.N)
	}
	clear(a.zReady)
	a.imagery.ready = false
	a.faces.corr = nil
	for i := range a.decoded {
		a.decoded[i].ready = false
	}
	a.imagery.image.ready = false
	a.cmp.forget()
}

// decoderHere reports whether the view's decoder and patterns are here. A
// region whose decoder, or fewer trials whose patterns, are still in the
// subject's regions file decode nothing yet: the file is asked for, and
// RegionsAdded plans again when it arrives.
func (a *App) decoderHere() bool {
	s := a.Subject()
	decode := viewHere(s, a.roi, a.subset)
	a.awaitRegions = !decode
	if !decode {
		a.ask(s.ID, true)
	}
	return decode
}

// viewHere reports whether subject s has what region roi and trial subset
// need: the region's decoder and, for fewer trials (subset ≥ 0), their
// patterns. Both come in the subject's regions file where the subject
// bundle leaves them out, so that the first view does not wait for them.
func viewHere(s *site.Subject, roi, subset int) bool {
	return s.ROIs[roi].Loaded() && (subset < 0 || !s.SubsetsPending())
}

// queueFirstFace queues the chosen face first, on its own (one pass over
// the decoder's rows, one generator pass), so that something appears at
// once, even on a cold start whose code the browser has not yet optimised.
// Then one batch decodes every latent: the results come at once, and the
// images follow face by face (queueFaces).
func (a *App) queueFirstFace(decode bool) {
	if decode {
		a.sched.Push(&job{a: a, kind: jobDecoded, i: a.sel})
	}
	// A generator loaded with its first layer encoded computes each image
	// from the encoded rows; the images after the first face are cheaper
	// once it is dense.
	if !a.model.Gen.DenseFC() {
		a.sched.Push(&job{a: a, kind: jobDenseFC})
	}
	if decode {
		a.sched.Push(&job{a: a, kind: jobLatents})
	}
}

// queueFaces queues each test face as shown (unless drawn already: it does
// not change with the region or trials) and as decoded.
func (a *App) queueFaces(decode bool) {
	for i := range a.Subject().N {
		if !a.shown[i].ready {
			a.sched.Push(&job{a: a, kind: jobShown, i: i})
		}
		if i != a.sel && decode {
			a.sched.Push(&job{a: a, kind: jobDecoded, i: i})
		}
	}
}

// latentDone is called when a decoded latent is complete: with the last
// one, the panels score the view.
func (a *App) latentDone() {
	for _, ok := range a.zReady {
		if !ok {
			return
		}
	}
	if !a.imagery.ready {
		return
	}
	a.computeResults()
}

// computeResults scores the view's decoded latents for every panel; the
// faces' scores come last, as Ready reads them.
func (a *App) computeResults() {
	s := a.Subject()
	a.gender = readGender(a.zhat, s, a.model.Male)
	a.imagery.score(s)
	a.faces = scoreFaces(a.zhat, s)
}

// decodedFaceDone is called when decoded face i is drawn: the first one
// of the app, and the last one of a view once its results are in, are
// announced (except on the real-brain panel, which shows no faces).
func (a *App) decodedFaceDone(i int) {
	all := true
	for k := range a.decoded {
		all = all && a.decoded[k].ready
	}
	switch {
	case a.panel == PanelReal || a.panel == PanelResults:
		// The view's faces are not on screen: the live region keeps the
		// panel's own text.
		if a.firstFace == 0 {
			a.firstFace = max(a.now().Sub(a.started), time.Nanosecond)
		}
	case all && a.Ready():
		if a.firstFace == 0 {
			a.firstFace = max(a.now().Sub(a.started), time.Nanosecond)
		}
		// With the comparison, its text once the PCA faces are drawn too
		// (pcaFaceDone says it where they come last).
		if !a.wantPCA() || a.pcaState() != PCAReady {
			a.announceResults()
		} else if a.allDrawn() {
			a.announceCompare()
		}
	case a.firstFace == 0:
		a.firstFace = max(a.now().Sub(a.started), time.Nanosecond)
		a.say("First decoded face. %s", a.DescribeFace(i))
	}
}

// announceResults says the view's results, once its faces are all drawn.
func (a *App) announceResults() {
	s := a.Subject()
	f := &a.faces
	a.say("%s, %s, %s: %d faces decoded. Pairwise accuracy %.1f%% (%d of %d pairs); %d of %d faces ranked first; gender read-out %d of %d. %s",
		s.ID, a.ROILabel(), a.TrialsLabel(), s.N, 100*float64(f.pairCorrect)/float64(f.pairTotal), f.pairCorrect, f.pairTotal,
		f.rankedFirst(), s.N, a.gender.correct, s.N, a.DescribeImagery())
}
