package app

import (
	"fmriface/infer/site"
	"fmt"
	"math"
)

// The explore panel: a random point of the face space, drawn with the
// spread of the real latents, moved along the model's gender and smile
// axes by two sliders (arrows, or a drag: pointer.go). Enter draws another
// point, 0 resets the sliders.

// Slider bounds and step of the explore panel, in units of the axis.
const (
	SliderMax  = 2.0
	SliderStep = 0.25
)

// explorer is the explore panel's face: its latent, base + male·axis.male
// + smile·axis.smile, and the image of the latest latent drawn.
type explorer struct {
	// image keeps showing the last face drawn while a newer latent is
	// computed (a dragged slider asks for a face every frame).
	image imageBuf
	base  []float32
	z     []float32
	rev   int  // bumped by every change of z
	drawn int  // the rev that image shows
	job   *job // the explore job last queued

	male, smile float64 // the sliders, within ±SliderMax

	// The per-dimension mean and spread of the real latents.
	latMean, latStd []float64
}

func newExplorer(latent int, rgba []byte) explorer {
	return explorer{image: imageBuf{rgba: rgba}, base: make([]float32, latent), z: make([]float32, latent)}
}

// learnSpread estimates the per-dimension mean and spread of real latents
// from every latent the subjects carry, for drawing random faces.
func (e *explorer) learnSpread(subjects []*site.Subject, l int) {
	e.latMean, e.latStd = make([]float64, l), make([]float64, l)
	var n float64
	add := func(z []float32) {
		n++
		for d, x := range z {
			e.latMean[d] += float64(x)
			e.latStd[d] += float64(x) * float64(x)
		}
	}
	for _, s := range subjects {
		for i := range s.N {
			add(s.Latent(i))
			add(s.ImageryLatent(i))
		}
	}
	for d := range l {
		m := e.latMean[d] / n
		e.latMean[d] = m
		e.latStd[d] = math.Sqrt(math.Max(0, e.latStd[d]/n-m*m))
	}
}

// exploreKey answers the keys of the explore panel: the arrows move the
// sliders a step, 0 resets them, Enter draws a new random face.
func (a *App) exploreKey(k Key) {
	e := &a.explore
	switch k {
	case KeyLeft:
		e.male = math.Max(-SliderMax, e.male-SliderStep)
	case KeyRight:
		e.male = math.Min(SliderMax, e.male+SliderStep)
	case KeyUp:
		e.smile = math.Min(SliderMax, e.smile+SliderStep)
	case KeyDown:
		e.smile = math.Max(-SliderMax, e.smile-SliderStep)
	case KeyReset:
		e.male, e.smile = 0, 0
	case KeyEnter:
		a.randomExplore()
	default:
		return
	}
	a.updateExplore()
	a.say("%s", a.DescribeExplore())
}

// setSlider sets a slider to v (clamped to ±SliderMax, in steps of 0.01 so
// that the announced value is the value) and queues the new face.
func (a *App) setSlider(s Slider, v float64) {
	v = math.Round(math.Max(-SliderMax, math.Min(SliderMax, v))*100) / 100
	e := &a.explore
	switch s {
	case SliderMale:
		if v == e.male {
			return
		}
		e.male = v
	case SliderSmile:
		if v == e.smile {
			return
		}
		e.smile = v
	default:
		return
	}
	a.rev++
	a.updateExplore()
}

// randomExplore draws a new base latent from the spread of real latents.
func (a *App) randomExplore() {
	e := &a.explore
	for d := range e.base {
		x := e.latMean[d] + e.latStd[d]*a.rng.NormFloat64()
		e.base[d] = float32(math.Max(-1, math.Min(1, x)))
	}
	a.updateExplore()
}

// updateExplore moves along the axes and queues the new image first.
func (a *App) updateExplore() {
	e := &a.explore
	for d := range e.z {
		e.z[d] = e.base[d] + float32(e.male)*a.model.Male[d] + float32(e.smile)*a.model.Smile[d]
	}
	e.rev++
	if a.sched == nil {
		return
	}
	// A queued job that has not begun reads the latest latent when it does:
	// one is enough, however many changes come before it.
	if j := e.job; j != nil && j.phase < 2 && a.sched.Has(j) {
		return
	}
	a.queueExplore(true)
}

// queueExplore queues the explore face, before the other work if front.
func (a *App) queueExplore(front bool) {
	a.explore.job = &job{a: a, kind: jobExplore}
	if front {
		a.sched.PushFront(a.explore.job)
	} else {
		a.sched.Push(a.explore.job)
	}
}

// ExploreLatent is the latent of the explore panel's face.
func (a *App) ExploreLatent() []float32 { return a.explore.z }

// ExploreView is what the explore panel shows, for the frame being drawn:
// the face, and the sliders along the male − female axis (Male) and the
// smiling − not smiling axis (Smile), within ±SliderMax.
type ExploreView struct {
	Image       Image
	Male, Smile float64
}

// Explore returns what the explore panel shows now.
func (a *App) Explore() ExploreView {
	e := &a.explore
	return ExploreView{Image: e.image.handle(), Male: e.male, Smile: e.smile}
}

// DescribeExplore describes the explore panel's face.
func (a *App) DescribeExplore() string {
	return fmt.Sprintf("Random face; gender slider %+.2f (positive is more male), smile slider %+.2f.", a.explore.male, a.explore.smile)
}
