package lab

import (
	"fmt"
	"math"
	"strings"
)

// Session is the Lab panel's state without its drawing: the loaded data,
// the knobs, the run under way (a Job the app's scheduler steps between
// frames), the last result and the curve across runs, and the sentences the
// app speaks in its live region. The browser app and its tests drive it with
// the same calls, keyboard, pointer or link alike.
type Session struct {
	Data   *Data
	Config Config
	Curve  Curve
	Last   *Result
	cache  Cache
	job    *Job
	// Err is the last run's failure (or the last knob change's refusal).
	Err error
}

// NewSession starts a session on loaded data with cfg (a link's, or
// DefaultConfig of the first subject).
func NewSession(d *Data, cfg Config) *Session {
	return &Session{Data: d, Config: cfg}
}

// Ladders are the values the arrow keys step a knob through.
var ladders = map[string][]float64{
	KnobTrain:  {1100, 1500, 2000, 3000, 4000, 6000, 8000},
	KnobReps:   {1, 2, 3, 5, 10, 15, 20, 30, 45, 60},
	KnobNoise:  {0, 1, 2, 4, 6, 9, 12, 18, 24, 36, 48},
	KnobVoxels: {1100, 1500, 2000, 2500, 3000, 4000},
	KnobLambda: {0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1, 3, 10},
}

// Knobs lists the knobs in the panel's order (Tab moves through them).
var Knobs = []string{"subject", "space", KnobTrain, KnobReps, KnobNoise, "region", KnobVoxels, "decoder", KnobLambda, "seed"}

// Step moves a knob one step up (dir > 0) or down, clamped to what the data
// allow, and returns the sentence to announce. A knob that cannot move says
// why.
func (s *Session) Step(knob string, dir int) string {
	c := s.Config
	d := s.Data
	switch knob {
	case "subject":
		i := 0
		for k, sub := range d.Subjects {
			if sub.Name == c.Subject {
				i = k
			}
		}
		i = (i + dir + len(d.Subjects)) % len(d.Subjects)
		c.Subject = d.Subjects[i].Name
	case "space":
		c.Space = map[string]string{SpaceVAEGAN: SpacePCA, SpacePCA: SpaceVAEGAN}[c.Space]
	case "region":
		i := (regionLabel(c.Region) + dir + len(Regions)) % len(Regions)
		c.Region = Regions[i]
	case "decoder":
		if c.Decoder == DecoderInversion {
			c.Decoder = DecoderRidge
			if c.Lambda == 0 {
				c.Lambda = 0.01
			}
		} else {
			c.Decoder = DecoderInversion
		}
	case "seed":
		if dir < 0 && c.Seed > 1 {
			c.Seed--
		} else if dir > 0 {
			c.Seed++
		}
	default:
		lad, ok := ladders[knob]
		if !ok {
			return fmt.Sprintf("No knob %q.", knob)
		}
		if knob == KnobLambda && c.Decoder != DecoderRidge {
			return "λ is the ridge decoder's penalty: choose the ridge decoder first."
		}
		x := c.KnobValue(knob)
		if knob == KnobVoxels && x == 0 {
			x = float64(s.maxVoxels(c))
		}
		next := x
		for _, v := range lad {
			if dir > 0 && v > x {
				next = v
				break
			}
			if dir < 0 && v < x {
				next = v
			}
		}
		c = c.SetKnob(knob, next)
	}
	c = s.Data.Clamp(c)
	if err := c.Validate(d); err != nil {
		s.Err = err
		return fmt.Sprintf("Cannot: %v.", err)
	}
	s.Config, s.Err = c, nil
	return s.DescribeKnob(knob)
}

func (s *Session) maxVoxels(c Config) int {
	sub, err := s.Data.Subject(c.Subject)
	if err != nil {
		return 0
	}
	return sub.RegionVoxels(c.Region)
}

// DescribeKnob is a knob's current value, as announced.
func (s *Session) DescribeKnob(knob string) string {
	c := s.Config
	switch knob {
	case "subject":
		return "Subject " + c.Subject + "."
	case "space":
		return map[string]string{SpaceVAEGAN: "Latent space: VAE-GAN.", SpacePCA: "Latent space: PCA."}[c.Space]
	case KnobTrain:
		return fmt.Sprintf("%d training faces.", c.Train)
	case KnobReps:
		return fmt.Sprintf("Each test face shown %d times.", c.Reps)
	case KnobNoise:
		return fmt.Sprintf("Noise scale %g.", c.Noise)
	case "region":
		return fmt.Sprintf("Region: %s, %d voxels there.", c.Region, s.maxVoxels(c))
	case KnobVoxels:
		if c.Voxels == 0 {
			return fmt.Sprintf("All %d voxels of the region.", s.maxVoxels(c))
		}
		return fmt.Sprintf("The region's %d most strongly tuned voxels.", c.Voxels)
	case "decoder":
		if c.Decoder == DecoderRidge {
			return fmt.Sprintf("Decoder: ridge, λ %g.", c.Lambda)
		}
		return "Decoder: the paper's inversion."
	case KnobLambda:
		return fmt.Sprintf("Ridge λ %g.", c.Lambda)
	case "seed":
		return fmt.Sprintf("Seed %d.", c.Seed)
	}
	return ""
}

// Start begins a run of the current settings (a run under way is
// cancelled) and returns its Job for the app's scheduler, or an error
// saying which knob is out of range or that the PCA data are not loaded.
func (s *Session) Start() (*Job, error) {
	s.Cancel()
	j, err := NewJob(s.Data, s.Config, &s.cache)
	if err != nil {
		s.Err = err
		return nil, err
	}
	s.job, s.Err = j, nil
	return j, nil
}

// Running reports whether a run is under way, and its progress.
func (s *Session) Running() (bool, float64, string) {
	if s.job == nil {
		return false, 0, ""
	}
	f, stage := s.job.Progress()
	return true, f, stage
}

// Cancel drops the run under way; its partial work is lost (a finished fit
// stays in the cache).
func (s *Session) Cancel() bool {
	had := s.job != nil
	s.job = nil
	return had
}

// Finish collects the run after its Job reported the end: the result joins
// the curve, and the sentence to announce is returned.
func (s *Session) Finish(j *Job) string {
	if j != s.job {
		return "" // a cancelled run
	}
	s.job = nil
	r, err := j.Result()
	if err != nil {
		s.Err = err
		return fmt.Sprintf("The run failed: %v.", err)
	}
	s.Last = r
	s.Curve.Add(r)
	return Describe(r)
}

// Describe says a result in one sentence: both measures with chance and
// p-values.
func Describe(r *Result) string {
	c := r.Config
	var b strings.Builder
	fmt.Fprintf(&b, "%s, %s latent space, %d training faces, %d repetitions, noise %g, %s region with %d voxels, %s: ",
		c.Subject, map[string]string{SpaceVAEGAN: "VAE-GAN", SpacePCA: "PCA"}[c.Space], c.Train, c.Reps, c.Noise,
		c.Region, r.Voxels, map[string]string{DecoderInversion: "inversion", DecoderRidge: fmt.Sprintf("ridge λ %g", c.Lambda)}[c.Decoder])
	fmt.Fprintf(&b, "pairwise %.1f %% (chance 50 %%, p %s), 1-of-20 %d of 20 (chance 1, p %s).",
		100*r.Pairwise.Accuracy, pText(r.PairwiseP), r.OneOf.Correct, pText(r.OneOf.P))
	return b.String()
}

func pText(p float64) string {
	switch {
	case p < 1e-6:
		return "< 0.000001"
	case p < 0.001:
		return fmt.Sprintf("%.1e", p)
	}
	return fmt.Sprintf("%.3f", math.Round(p*1000)/1000)
}
