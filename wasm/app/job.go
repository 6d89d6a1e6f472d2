package app

import "time"

type jobKind int

const (
	jobShown     jobKind = iota // generator(true latent i)
	jobDecoded                  // pattern i → ẑ_i → image
	jobImagery                  // imagery pattern → ẑ → image
	jobCandidate                // generator(imagery candidate i)
	jobExplore                  // generator(explore latent)
	jobLatents                  // all test patterns and the imagery pattern → latents, as one batch
	jobDenseFC                  // dequantize the generator's first layer (nn.Generator.MaterializeFC)
)

// denseFCRows is the rows of the generator's first layer one step
// dequantizes: about a millisecond under WebAssembly for 4,096 columns.
const denseFCRows = 64

// job is one image of the app, built in slices: the decoder's rows first
// (decoded kinds), then the generator's steps.
type job struct {
	a     *App
	kind  jobKind
	i     int
	phase int
	spent time.Duration
	rev   int // jobExplore: the App.exploreRev of the latent it draws
}

func (j *job) decodes() bool { return j.kind == jobDecoded || j.kind == jobImagery }

// target returns the image slot and the latent of the job.
func (j *job) target() (*Image, []float32) {
	a, s := j.a, j.a.Subject()
	switch j.kind {
	case jobShown:
		return &a.Shown[j.i], s.Latent(j.i)
	case jobDecoded:
		return &a.Decoded[j.i], a.DecodedLatent(j.i)
	case jobImagery:
		return &a.ImageryImage, a.zImagery
	case jobCandidate:
		return &a.Candidates[j.i], s.ImageryLatent(j.i)
	default:
		return &a.ExploreImage, a.exploreZ
	}
}

// Step implements Job.
func (j *job) Step() bool {
	a := j.a
	if j.kind == jobDenseFC {
		return a.Model.Gen.MaterializeFC(denseFCRows)
	}
	t0 := a.now()
	done := j.step()
	j.spent += a.now().Sub(t0)
	if done && j.kind == jobLatents {
		s := a.Subject()
		// Each face's decode time gets its share of the batch.
		a.latentShare = j.spent / time.Duration(s.N+1)
		clear(a.zReady)
		for i := range a.zReady {
			a.zReady[i] = true
		}
		a.imageryReady = true
		a.latentDone()
		return true
	}
	if done {
		img, _ := j.target()
		img.Elapsed = j.spent
		if j.kind == jobDecoded || j.kind == jobImagery {
			img.Elapsed += a.latentShare
		}
		if j.kind == jobDecoded {
			all := true
			for i := range a.Decoded {
				all = all && a.Decoded[i].Ready
			}
			switch {
			case all && a.Ready():
				if a.FirstFace == 0 {
					a.FirstFace = max(a.now().Sub(a.started), time.Nanosecond)
				}
				a.announceResults()
			case a.FirstFace == 0:
				a.FirstFace = max(a.now().Sub(a.started), time.Nanosecond)
				a.say("First decoded face. %s", a.DescribeFace(j.i))
			}
		}
	}
	return done
}

func (j *job) step() bool {
	a, s := j.a, j.a.Subject()
	img, z := j.target()
	if j.kind == jobLatents {
		if j.phase == 0 {
			s := a.Subject()
			pattern := func(i int) []float32 {
				if i == s.N {
					return s.Imagery
				}
				return s.Pattern(a.Subset, i)
			}
			if err := a.dec.BeginLatents(&s.ROIs[a.ROI], s.N+1, pattern, a.zall); err != nil {
				panic(err) // shapes were checked when the subject was loaded
			}
			j.phase = 1
			return false
		}
		return a.dec.StepLatents()
	}
	switch j.phase {
	case 0: // start
		ready := (j.kind == jobDecoded && a.zReady[j.i]) || (j.kind == jobImagery && a.imageryReady)
		if !j.decodes() || ready {
			j.phase = 2
			return j.step()
		}
		pattern := s.Imagery
		if j.kind == jobDecoded {
			pattern = s.Pattern(a.Subset, j.i)
		}
		if err := a.dec.BeginLatent(&s.ROIs[a.ROI], pattern, z); err != nil {
			// Shapes were checked when the subject was loaded.
			panic(err)
		}
		j.phase = 1
		return false
	case 1: // a single latent: the selected face, queued before the batch
		if !a.dec.StepLatent() {
			return false
		}
		if j.kind == jobDecoded {
			a.zReady[j.i] = true
		} else {
			a.imageryReady = true
		}
		a.latentShare = j.spent
		a.latentDone()
		j.phase = 2
		return false
	case 2:
		if err := a.Model.Gen.Begin(z); err != nil {
			panic(err)
		}
		j.rev = a.exploreRev
		j.phase = 3
		return false
	default:
		if !a.Model.Gen.Step() {
			return false
		}
		if err := ToRGBA(a.Model.Gen.Image(), a.Model.ImageSize(), img.RGBA); err != nil {
			panic(err)
		}
		img.Ready = true
		img.Version++
		if j.kind == jobExplore {
			a.exploreDrawn = j.rev
		}
		return true
	}
}
