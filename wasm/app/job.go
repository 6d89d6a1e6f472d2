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
	rev   int // jobExplore: the explorer's rev of the latent it draws
}

func (j *job) decodes() bool { return j.kind == jobDecoded || j.kind == jobImagery }

// target returns the image slot and the latent of the job.
func (j *job) target() (*imageBuf, []float32) {
	a, s := j.a, j.a.Subject()
	switch j.kind {
	case jobShown:
		return &a.shown[j.i], s.Latent(j.i)
	case jobDecoded:
		return &a.decoded[j.i], a.DecodedLatent(j.i)
	case jobImagery:
		return &a.imagery.image, a.imagery.z
	case jobCandidate:
		return &a.imagery.candidates[j.i], s.ImageryLatent(j.i)
	default:
		return &a.explore.image, a.explore.z
	}
}

// Step implements Job.
func (j *job) Step() bool {
	a := j.a
	if j.kind == jobDenseFC {
		return a.model.Gen.MaterializeFC(denseFCRows)
	}
	t0 := a.now()
	var done bool
	if j.kind == jobLatents {
		done = j.stepBatch()
	} else {
		done = j.step()
	}
	j.spent += a.now().Sub(t0)
	switch {
	case !done:
	case j.kind == jobLatents:
		j.batchDone()
	default:
		j.imageDone()
	}
	return done
}

// stepBatch decodes every test pattern and the imagery pattern as one
// batch (jobLatents): the decoder's rows are read once for all of them.
func (j *job) stepBatch() bool {
	a, s := j.a, j.a.Subject()
	if j.phase == 0 {
		pattern := func(i int) []float32 {
			if i == s.N {
				return s.Imagery
			}
			return s.Pattern(a.subset, i)
		}
		if err := a.dec.BeginLatents(&s.ROIs[a.roi], s.N+1, pattern, a.zall); err != nil {
			panic(err) // shapes were checked when the subject was loaded
		}
		j.phase = 1
		return false
	}
	return a.dec.StepLatents()
}

// batchDone marks every latent of the view decoded; each face's decode
// time gets its share of the batch.
func (j *job) batchDone() {
	a := j.a
	a.latentShare = j.spent / time.Duration(a.Subject().N+1)
	clear(a.zReady)
	for i := range a.zReady {
		a.zReady[i] = true
	}
	a.imagery.ready = true
	a.latentDone()
}

// step does the next slice of an image job: its latent (decoded kinds, when
// the batch has not already decoded it), then the generator.
func (j *job) step() bool {
	a, s := j.a, j.a.Subject()
	img, z := j.target()
	switch j.phase {
	case 0: // start
		ready := (j.kind == jobDecoded && a.zReady[j.i]) || (j.kind == jobImagery && a.imagery.ready)
		if !j.decodes() || ready {
			j.phase = 2
			return j.step()
		}
		pattern := s.Imagery
		if j.kind == jobDecoded {
			pattern = s.Pattern(a.subset, j.i)
		}
		if err := a.dec.BeginLatent(&s.ROIs[a.roi], pattern, z); err != nil {
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
			a.imagery.ready = true
		}
		a.latentShare = j.spent
		a.latentDone()
		j.phase = 2
		return false
	case 2:
		if err := a.model.Gen.Begin(z); err != nil {
			panic(err)
		}
		j.rev = a.explore.rev
		j.phase = 3
		return false
	default:
		if !a.model.Gen.Step() {
			return false
		}
		if err := ToRGBA(a.model.Gen.Image(), a.model.ImageSize(), img.rgba); err != nil {
			panic(err)
		}
		img.ready = true
		img.version++
		if j.kind == jobExplore {
			a.explore.drawn = j.rev
		}
		return true
	}
}

// imageDone records the compute time of a finished image.
func (j *job) imageDone() {
	img, _ := j.target()
	img.elapsed = j.spent
	if j.decodes() {
		img.elapsed += j.a.latentShare
	}
	if j.kind == jobDecoded {
		j.a.decodedFaceDone(j.i)
	}
}
