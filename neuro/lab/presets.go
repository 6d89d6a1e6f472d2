package lab

// Knobs a preset varies (Preset.Vary, Curve.Knob).
const (
	KnobTrain  = "train"
	KnobReps   = "reps"
	KnobNoise  = "noise"
	KnobVoxels = "voxels"
	KnobLambda = "lambda"
)

// Preset is one experiment of the panel and of docs/teaching.md: a
// question, the settings that answer it, and the knob to vary across runs
// (the curve's x axis) with the values to try.
type Preset struct {
	Slug     string
	Question string
	Config   func(subject string) Config
	Vary     string
	Values   []float64
}

// Presets are the panel's experiments, in the order of its list.
func Presets() []Preset {
	with := func(f func(*Config)) func(string) Config {
		return func(s string) Config {
			c := DefaultConfig(s)
			f(&c)
			return c
		}
	}
	return []Preset{
		{Slug: "faces", Question: "How many training faces does decoding need?",
			Config: with(func(c *Config) {}), Vary: KnobTrain, Values: []float64{1100, 2000, 4000, 8000}},
		{Slug: "reps", Question: "How often must a test face be shown?",
			Config: with(func(c *Config) { c.Reps = 1 }), Vary: KnobReps, Values: []float64{1, 5, 15, 45}},
		{Slug: "noise", Question: "How much noise can decoding stand?",
			Config: with(func(c *Config) { c.Noise = 2 }), Vary: KnobNoise, Values: []float64{2, 6, 12, 24}},
		{Slug: "voxels", Question: "Do more voxels help?",
			Config: with(func(c *Config) { c.Voxels = 1100 }), Vary: KnobVoxels, Values: []float64{1100, 1500, 2000, 3000}},
		{Slug: "region", Question: "Which region carries identity?",
			Config: with(func(c *Config) { c.Region, c.Voxels = "occipital", 1100 }), Vary: KnobVoxels, Values: []float64{1100}},
		{Slug: "pca", Question: "Why a deep generative latent space rather than PCA?",
			Config: with(func(c *Config) { c.Space = SpacePCA }), Vary: KnobTrain, Values: []float64{2000, 8000}},
		{Slug: "ridge", Question: "Does a ridge penalty rescue a small training set?",
			Config: with(func(c *Config) { c.Train, c.Decoder, c.Lambda = 1100, DecoderRidge, 0.01 }), Vary: KnobLambda,
			Values: []float64{0.001, 0.01, 0.1, 1}},
	}
}

// KnobValue is the value of a knob in c.
func (c Config) KnobValue(knob string) float64 {
	switch knob {
	case KnobTrain:
		return float64(c.Train)
	case KnobReps:
		return float64(c.Reps)
	case KnobNoise:
		return c.Noise
	case KnobVoxels:
		return float64(c.Voxels)
	case KnobLambda:
		return c.Lambda
	}
	return 0
}

// SetKnob returns c with a knob set to x.
func (c Config) SetKnob(knob string, x float64) Config {
	switch knob {
	case KnobTrain:
		c.Train = int(x)
	case KnobReps:
		c.Reps = int(x)
	case KnobNoise:
		c.Noise = x
	case KnobVoxels:
		c.Voxels = int(x)
	case KnobLambda:
		c.Lambda = x
	}
	return c
}

// Point is one run on a curve.
type Point struct {
	X                 float64
	Pairwise, OneOf20 float64
}

// Curve is the accuracy against one knob over runs that differ only in
// that knob (and the seed): the learning curve a course wants. Add starts
// a new curve when another setting changed.
type Curve struct {
	Knob   string
	Points []Point
	base   Config
}

// Add records a result: on the curve when it differs from the curve's runs
// only in the knob (or the seed; a rerun at the same x replaces the point).
// A second run that changes another single knob turns the curve to that
// knob; any other change starts a new curve.
func (cv *Curve) Add(r *Result) {
	c := r.Config
	if cv.Knob == "" {
		cv.Knob = KnobTrain
	}
	switch {
	case len(cv.Points) == 0 || sameExcept(cv.base, c, cv.Knob):
	case len(cv.Points) == 1 && changedKnob(cv.base, c) != "":
		cv.Knob = changedKnob(cv.base, c)
		cv.Points[0].X = cv.base.KnobValue(cv.Knob)
	default:
		if k := changedKnob(cv.base, c); k != "" {
			cv.Knob = k
		}
		cv.Points = nil
	}
	cv.base = c
	p := Point{X: c.KnobValue(cv.Knob), Pairwise: r.Pairwise.Accuracy, OneOf20: r.OneOf.Accuracy}
	for i, q := range cv.Points {
		if q.X == p.X {
			cv.Points[i] = p
			return
		}
	}
	cv.Points = append(cv.Points, p)
	sortPoints(cv.Points)
}

// sameExcept reports whether a and b agree but for the knob and the seed.
func sameExcept(a, b Config, knob string) bool {
	a.Seed, b.Seed = 0, 0
	return a.SetKnob(knob, 0) == b.SetKnob(knob, 0)
}

// changedKnob is the one knob in which a and b differ (seed aside), or "".
func changedKnob(a, b Config) string {
	a.Seed, b.Seed = 0, 0
	for _, k := range []string{KnobTrain, KnobReps, KnobNoise, KnobVoxels, KnobLambda} {
		if a != b && sameExcept(a, b, k) {
			return k
		}
	}
	return ""
}

func sortPoints(p []Point) {
	for i := 1; i < len(p); i++ {
		for j := i; j > 0 && p[j].X < p[j-1].X; j-- {
			p[j], p[j-1] = p[j-1], p[j]
		}
	}
}
