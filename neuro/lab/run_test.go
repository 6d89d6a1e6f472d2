package lab

import (
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"runtime"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"fmriface/util/corr"
)

func smallData(t *testing.T, train int) *Data { return sizedData(t, train, 24, 16, 90, 120) }

func sizedData(t *testing.T, train, K, P int, voxels ...int) *Data {
	t.Helper()
	// More features than latent dimensions: without noise, W's rank is
	// min(K, P), and the inversion needs it full.
	d, err := Synthetic(SyntheticSpec{Train: train, K: K, P: P, Voxels: voxels, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// direct is the reference computation with the trials × voxels matrix formed
// explicitly (float64, gonum): simulate, fit W with an intercept, invert.
// noise draws E itself from rng (nil: no noise).
func direct(t *testing.T, d *Data, cfg Config, rng *rand.Rand) [][]float64 {
	t.Helper()
	sub, _ := d.Subject(cfg.Subject)
	vox := sub.pick(cfg.Region, cfg.Voxels)
	n, p, K, V := cfg.Train, d.P, d.K, len(vox)
	x := d.Latents[cfg.Space]
	sigma := cfg.Noise * d.NoiseUnit
	resp := func(i int, reps int) []float64 {
		y := make([]float64, V)
		f := d.Features[i*K : (i+1)*K]
		for c, v := range vox {
			for k, fv := range f {
				y[c] += float64(fv) * float64(sub.Load[k*sub.Voxels()+v])
			}
			y[c] += 0.7 // a face response the intercept must absorb
			if rng != nil {
				y[c] += sigma / math.Sqrt(float64(reps)) * rng.NormFloat64()
			}
		}
		return y
	}
	X := mat.NewDense(n, p, nil)
	Y := mat.NewDense(n, V, nil)
	for i := 0; i < n; i++ {
		for c := 0; c < p; c++ {
			X.Set(i, c, float64(x[i*p+c]))
		}
		Y.SetRow(i, resp(i, 1))
	}
	xbar, ybar := colMeans(X), colMeans(Y)
	for i := 0; i < n; i++ {
		for c := 0; c < p; c++ {
			X.Set(i, c, X.At(i, c)-xbar[c])
		}
		for c := 0; c < V; c++ {
			Y.Set(i, c, Y.At(i, c)-ybar[c])
		}
	}
	var G mat.Dense
	G.Mul(X.T(), X)
	if cfg.Decoder == DecoderRidge {
		tr := mat.Trace(&G)
		for i := 0; i < p; i++ {
			G.Set(i, i, G.At(i, i)+cfg.Lambda*tr/float64(p))
		}
	}
	var XtY, W mat.Dense
	XtY.Mul(X.T(), Y)
	if err := W.Solve(&G, &XtY); err != nil {
		t.Fatal(err)
	}
	var WWt mat.Dense
	WWt.Mul(&W, W.T())
	out := make([][]float64, TestFaces)
	for tf := 0; tf < TestFaces; tf++ {
		y := resp(d.Train+tf, cfg.Reps)
		for c := range y {
			y[c] -= ybar[c]
		}
		var wu, z mat.VecDense
		wu.MulVec(&W, mat.NewVecDense(V, y))
		if err := z.SolveVec(&WWt, &wu); err != nil {
			t.Fatal(err)
		}
		out[tf] = make([]float64, p)
		for c := range out[tf] {
			out[tf][c] = z.AtVec(c) + xbar[c]
		}
	}
	return out
}

func colMeans(m *mat.Dense) []float64 {
	r, c := m.Dims()
	out := make([]float64, c)
	for i := 0; i < r; i++ {
		for j := 0; j < c; j++ {
			out[j] += m.At(i, j) / float64(r)
		}
	}
	return out
}

func baseConfig() Config {
	return Config{Subject: "sub-01", Space: SpaceVAEGAN, Train: 150, Reps: 10, Noise: 0.5, Region: "all",
		Decoder: DecoderInversion, Seed: 7}
}

// Without noise the lab's decoded latents are the direct computation's.
func TestNoiselessMatchesDirect(t *testing.T) {
	d := smallData(t, 300)
	for _, tc := range []struct {
		name string
		mod  func(*Config)
	}{
		{"inversion", func(c *Config) {}},
		{"ridge", func(c *Config) { c.Decoder, c.Lambda = DecoderRidge, 0.3 }},
		{"region and voxels", func(c *Config) { c.Subject, c.Region, c.Voxels = "sub-02", "temporal", 30 }},
		{"pca", func(c *Config) { c.Space = SpacePCA }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig()
			cfg.Noise = 0
			tc.mod(&cfg)
			res, err := Run(context.Background(), d, cfg, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			want := direct(t, d, cfg, nil)
			for tf, w := range want {
				for c, v := range w {
					got := float64(res.Decoded[tf*d.P+c])
					if math.Abs(got-v) > 2e-3*(1+math.Abs(v)) {
						t.Fatalf("face %d dim %d: lab %.6g, direct %.6g", tf, c, got, v)
					}
				}
			}
		})
	}
}

// With noise, the lab's decoded latents follow the direct simulation's
// distribution: the mean correlation of decoded and true latents, over
// seeds, agrees within sampling error.
func TestNoisyMatchesDirectInDistribution(t *testing.T) {
	d := smallData(t, 300)
	const seeds = 60
	for _, tc := range []struct {
		name string
		mod  func(*Config)
	}{
		{"inversion", func(c *Config) {}},
		{"ridge", func(c *Config) { c.Decoder, c.Lambda = DecoderRidge, 0.5 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var lab, ref []float64
			for s := 0; s < seeds; s++ {
				cfg := baseConfig()
				cfg.Noise, cfg.Reps, cfg.Seed = 1.5, 2, uint64(100+s)
				tc.mod(&cfg)
				res, err := Run(context.Background(), d, cfg, nil, nil)
				if err != nil {
					t.Fatal(err)
				}
				lab = append(lab, meanDiag(res.Corr))
				dec := direct(t, d, cfg, rand.New(rand.NewPCG(uint64(s), 99)))
				truth := make([][]float64, TestFaces)
				for tf := range truth {
					truth[tf] = make([]float64, d.P)
					to64(truth[tf], d.Latents[cfg.Space][(d.Train+tf)*d.P:(d.Train+tf+1)*d.P])
				}
				ref = append(ref, meanDiag(corr.Matrix(dec, truth)))
			}
			ml, sl := meanSE(lab)
			mr, sr := meanSE(ref)
			if diff, se := math.Abs(ml-mr), math.Hypot(sl, sr); diff > 4*se {
				t.Errorf("mean correlation: lab %.4f ± %.4f, direct %.4f ± %.4f", ml, sl, mr, sr)
			}
			if ml > 0.97 || ml < 0.2 {
				t.Errorf("mean correlation %.3f: the test's noise should leave it well inside (0.2, 0.97)", ml)
			}
		})
	}
}

func meanDiag(r [][]float64) float64 {
	var s float64
	for i := range r {
		s += r[i][i]
	}
	return s / float64(len(r))
}

func meanSE(x []float64) (float64, float64) {
	var m, v float64
	for _, a := range x {
		m += a
	}
	m /= float64(len(x))
	for _, a := range x {
		v += (a - m) * (a - m)
	}
	return m, math.Sqrt(v / float64(len(x)-1) / float64(len(x)))
}

func TestDeterministicAndNoiseMatters(t *testing.T) {
	d := smallData(t, 300)
	cfg := baseConfig()
	a, err := Run(context.Background(), d, cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Run(context.Background(), d, cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for i := range a.Decoded {
		if a.Decoded[i] != b.Decoded[i] {
			t.Fatalf("same seed, decoded value %d differs: %v, %v", i, a.Decoded[i], b.Decoded[i])
		}
	}
	cfg.Noise = 40
	c, err := Run(context.Background(), d, cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Pairwise.Accuracy < 0.9 || c.Pairwise.Accuracy > 0.8 {
		t.Errorf("pairwise %.3f at noise 0.5 and %.3f at noise 40: want ≥ 0.9 and ≤ 0.8", a.Pairwise.Accuracy, c.Pairwise.Accuracy)
	}
	if a.PairwiseP > 1e-6 || c.OneOf.N != TestFaces {
		t.Errorf("p %.3g for pairwise %.3f; 1-of-n over %d", a.PairwiseP, a.Pairwise.Accuracy, c.OneOf.N)
	}
}

func TestJobProgressAndCancel(t *testing.T) {
	d := smallData(t, 300)
	j, err := NewJob(d, baseConfig(), nil)
	if err != nil {
		t.Fatal(err)
	}
	last := -1.0
	steps := 0
	for !j.Step() {
		f, name := j.Progress()
		if f < last || f > 1 || name == "" {
			t.Fatalf("step %d: progress %v (%q) after %v", steps, f, name, last)
		}
		last = f
		steps++
	}
	if steps < 20 {
		t.Errorf("%d steps: the run should be split finely", steps)
	}
	if _, err := j.Result(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, d, baseConfig(), nil, nil); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled run: %v", err)
	}
}

func TestConfigErrors(t *testing.T) {
	d := smallData(t, 300)
	for _, tc := range []struct {
		name, want string
		mod        func(*Config)
	}{
		{"subject", "no subject", func(c *Config) { c.Subject = "sub-09" }},
		{"space", "not loaded", func(c *Config) { c.Space = "gan" }},
		{"too few faces", "training faces", func(c *Config) { c.Train = 17 }},
		{"too few faces for ridge", "training faces", func(c *Config) { c.Train, c.Decoder, c.Lambda = 17, DecoderRidge, 1 }},
		{"too many faces", "training faces", func(c *Config) { c.Train = 301 }},
		{"reps", "repetitions", func(c *Config) { c.Reps = 0 }},
		{"noise", "noise", func(c *Config) { c.Noise = -1 }},
		{"nan noise", "noise", func(c *Config) { c.Noise = math.NaN() }},
		{"region", "region", func(c *Config) { c.Region = "hippocampus" }},
		{"voxels", "voxels", func(c *Config) { c.Voxels = 1000 }},
		{"too few voxels", "more voxels than latent", func(c *Config) { c.Voxels = 10 }},
		{"decoder", "decoder", func(c *Config) { c.Decoder = "svm" }},
		{"lambda", "λ", func(c *Config) { c.Decoder, c.Lambda = DecoderRidge, 0 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig()
			tc.mod(&cfg)
			_, err := NewJob(d, cfg, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %v, want one mentioning %q", err, tc.want)
			}
		})
	}
}

// A cache (its fit and its arrays) gives the runs it serves the same
// result as a fresh run, whatever the runs before them were.
func TestCache(t *testing.T) {
	d := smallData(t, 300)
	var c Cache
	for _, tc := range []struct {
		name string
		mod  func(*Config)
	}{
		{"first", func(c *Config) {}},
		{"other noise and subject (cached)", func(c *Config) { c.Noise, c.Subject = 2, "sub-02" }},
		{"other voxels and seed (cached)", func(c *Config) { c.Voxels, c.Seed = 40, 9 }},
		{"ridge (new fit)", func(c *Config) { c.Decoder, c.Lambda = DecoderRidge, 0.5 }},
		{"fewer faces (new fit)", func(c *Config) { c.Train = 120 }},
		{"all faces again, fewer voxels", func(c *Config) { c.Voxels = 30 }},
		{"another region", func(c *Config) { c.Region, c.Voxels = Regions[1], 0 }},
		{"ridge, more faces (new fit)", func(c *Config) { c.Decoder, c.Lambda, c.Train = DecoderRidge, 2, 290 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := baseConfig()
			tc.mod(&cfg)
			a, err := Run(context.Background(), d, cfg, &c, nil)
			if err != nil {
				t.Fatal(err)
			}
			b, err := Run(context.Background(), d, cfg, nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			if a.Digest() != b.Digest() {
				t.Error("the cached fit changed the result")
			}
		})
	}
}

// Calibration recovers a noise unit whose accuracies match targets made by
// the lab itself at a known unit.
func TestCalibrateNoiseUnit(t *testing.T) {
	d := smallData(t, 300)
	d.NoiseUnit = 20
	var targets []Target
	for _, s := range []string{"sub-01", "sub-02"} {
		var acc float64
		for seed := uint64(1); seed <= 3; seed++ {
			res, err := Run(context.Background(), d, d.FullConfig(s, 0, seed), nil, nil)
			if err != nil {
				t.Fatal(err)
			}
			acc += res.Pairwise.Accuracy / 3
		}
		targets = append(targets, Target{Subject: s, Pairwise: acc})
	}
	if targets[0].Pairwise > 0.97 || targets[1].Pairwise < 0.55 {
		t.Fatalf("targets %+v: the test wants accuracies away from the ends", targets)
	}
	d.NoiseUnit = 0.1
	cal, err := CalibrateNoiseUnit(context.Background(), d, targets, 3, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cal.NoiseUnit < 18 || cal.NoiseUnit > 22 || d.NoiseUnit != cal.NoiseUnit {
		t.Errorf("noise unit %.3f (data %.3f), want about 20", cal.NoiseUnit, d.NoiseUnit)
	}
	if err := cal.CheckAgainst(targets, 0.02); err != nil {
		t.Error(err)
	}
	targets[1].Pairwise += 0.2
	if err := cal.CheckAgainst(targets, 0.05); err == nil || !strings.Contains(err.Error(), "sub-02") {
		t.Errorf("a target 20 points off: %v", err)
	}
}

// A run cancelled during its fit leaves no half-made fit behind, and a job
// superseded by another on the same cache stops instead of writing into
// the arrays the new one uses.
func TestCacheCancelAndSupersede(t *testing.T) {
	d := smallData(t, 300)
	var c Cache
	cfg := baseConfig()
	if _, err := Run(context.Background(), d, cfg, &c, nil); err != nil {
		t.Fatal(err)
	}
	other := cfg
	other.Train = 200
	j, err := NewJob(d, other, &c)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 { // into the fit, then dropped
		j.Step()
	}
	again, err := Run(context.Background(), d, cfg, &c, nil)
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := Run(context.Background(), d, cfg, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if again.Digest() != fresh.Digest() {
		t.Error("a run after a cancelled fit differs from a fresh run")
	}
	for !j.Step() {
	}
	if _, err := j.Result(); err == nil || !strings.Contains(err.Error(), "superseded") {
		t.Errorf("the superseded job: %v, want an error saying so", err)
	}
}

// Runs on a cache allocate a small part of what a run without one does:
// the arrays are reused (under WebAssembly each allocation brings the next
// collection, which holds the page for a frame, nearer).
func TestCacheAllocations(t *testing.T) {
	d := sizedData(t, 600, 24, 256, 400, 300)
	inv := baseConfig()
	inv.Train, inv.Voxels = 500, 0
	ridge := inv
	ridge.Decoder, ridge.Lambda = DecoderRidge, 1
	allocated := func(cfg Config, c *Cache) uint64 {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		if _, err := Run(context.Background(), d, cfg, c, nil); err != nil {
			t.Fatal(err)
		}
		runtime.ReadMemStats(&after)
		return after.TotalAlloc - before.TotalAlloc
	}
	var c Cache
	allocated(ridge, &c) // the arrays grow to the largest run's
	allocated(inv, &c)
	for _, cfg := range []Config{ridge, inv} {
		fresh := allocated(cfg, nil)
		cfg.Seed++ // a new fit each time: the decoders alternate
		reuse := allocated(cfg, &c)
		t.Logf("%s: %d bytes on the cache, %d without", cfg.Decoder, reuse, fresh)
		if reuse*5 > fresh {
			t.Errorf("%s: a run on the cache allocated %d bytes, one without %d: want under a fifth", cfg.Decoder, reuse, fresh)
		}
	}
}
