package sim

import (
	"bytes"
	"context"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestBrainConfigValidate(t *testing.T) {
	for _, c := range []struct {
		name  string
		edit  func(*Config)
		error string // "" = valid
	}{
		{"v1 default", func(c *Config) {}, ""},
		{"v1 named", func(c *Config) { c.Brain = BrainV1 }, ""},
		{"v2 default", func(c *Config) { c.Brain, c.V2 = BrainV2, DefaultBrainV2() }, ""},
		{"v2 without parameters", func(c *Config) { c.Brain = BrainV2 }, "without its parameters"},
		{"v1 with v2 parameters", func(c *Config) { c.V2 = DefaultBrainV2() }, "parameters given"},
		{"unknown brain", func(c *Config) { c.Brain = "v3" }, "want v1 or v2"},
		{"no level", func(c *Config) {
			c.Brain, c.V2 = BrainV2, DefaultBrainV2()
			c.V2.Regions[ROITemporal] = RegionV2{Gain: 1}
		}, "every level share is 0"},
		{"negative gain", func(c *Config) {
			c.Brain, c.V2 = BrainV2, DefaultBrainV2()
			c.V2.Regions[ROIOccipital].Gain = -1
		}, "must be 0 to 100"},
		{"no sigma", func(c *Config) { c.Brain, c.V2 = BrainV2, DefaultBrainV2(); c.V2.NormSigma = 0 }, "normalisation"},
		{"no dims", func(c *Config) { c.Brain, c.V2 = BrainV2, DefaultBrainV2(); c.V2.Dims = 0 }, "directions"},
	} {
		t.Run(c.name, func(t *testing.T) {
			cfg := DefaultConfig()
			c.edit(&cfg)
			err := cfg.Validate()
			switch {
			case c.error == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case c.error != "" && (err == nil || !strings.Contains(err.Error(), c.error)):
				t.Fatalf("error %v, want one with %q", err, c.error)
			}
		})
	}
}

// The brain v2's low level is contrast-normalised and blind to luminance:
// halving an image's contrast or brightening it barely changes its
// normalised energies, while the raw (v1) features change.
func TestNormalizeEnergy(t *testing.T) {
	const s = 64
	rng := rand.New(rand.NewPCG(3, 4))
	base := make([]float32, 3*s*s)
	for i := range base {
		base[i] = float32(0.5 + 0.2*rng.NormFloat64())
	}
	blurImage(base, s)
	for _, c := range []struct {
		name         string
		gain, offset float32
	}{
		{"half contrast", 0.5, 0},
		{"brighter", 1, 0.15},
		{"darker, double contrast", 2, -0.1},
	} {
		t.Run(c.name, func(t *testing.T) {
			img := make([]float32, len(base))
			for i, v := range base {
				img[i] = 0.5 + c.gain*(v-0.5) + c.offset
			}
			ids := []int{0, 1}
			imgs := [][]float32{base, img}
			raw, err := imageFeatures(context.Background(), s, func(i int) []float32 { return imgs[i] }, ids, nil)
			if err != nil {
				t.Fatal(err)
			}
			v1 := relDiff(raw[:NumFeatures], raw[NumFeatures:])
			normalizeEnergy(raw, 2, 0.01)
			v2 := relDiff(raw[:NumFeatures], raw[NumFeatures:])
			if v1 < 0.05 || v2 > 0.02 {
				t.Errorf("relative change of the features: raw %.3f (want ≥ 0.05), normalised %.3f (want ≤ 0.02)", v1, v2)
			}
		})
	}
}

// blurImage smooths each plane with a 3 × 3 box, so that the energies are
// spread over the spatial frequencies like a natural image's.
func blurImage(img []float32, s int) {
	for c := 0; c < 3; c++ {
		p := img[c*s*s : (c+1)*s*s]
		q := append([]float32(nil), p...)
		for y := 1; y < s-1; y++ {
			for x := 1; x < s-1; x++ {
				var sum float32
				for dy := -1; dy <= 1; dy++ {
					for dx := -1; dx <= 1; dx++ {
						sum += q[(y+dy)*s+x+dx]
					}
				}
				p[y*s+x] = sum / 9
			}
		}
	}
}

func relDiff(a, b []float32) float64 {
	var d, n float64
	for i := range a {
		d += float64(a[i]-b[i]) * float64(a[i]-b[i])
		n += float64(a[i]) * float64(a[i])
	}
	return math.Sqrt(d / math.Max(n, 1e-30))
}

// Every voxel's v2 drive mixes its region's levels: a level with share 0
// contributes nothing, the drive is standardised.
func TestAddLevel(t *testing.T) {
	const rows, k, V = 200, 8, 3
	rng := rand.New(rand.NewPCG(5, 6))
	z := make([]float32, rows*k)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	standardizeColumns(z, rows, k)
	w := make([]float32, V*k)
	for i := range w {
		w[i] = float32(rng.NormFloat64())
	}
	out := make([]float32, rows*V)
	addLevel(out, z, rows, k, w, []float64{0, 1, 2.5})
	for v, want := range []float64{0, 1, 2.5} {
		var s, ss float64
		for r := 0; r < rows; r++ {
			x := float64(out[r*V+v])
			s += x
			ss += x * x
		}
		sd := math.Sqrt(ss/rows - (s/rows)*(s/rows))
		if math.Abs(sd-want) > 1e-3 || math.Abs(s/rows) > 1e-4 {
			t.Errorf("voxel %d: mean %.4f, sd %.4f, want 0 and %g", v, s/rows, sd, want)
		}
	}
}

// The brain v2 simulates with the shipped face-feature network: it is
// deterministic, the second run reads the cached features, its BOLD differs
// from v1's, and the record names the brain.
func TestSimulateV2(t *testing.T) {
	model := filepath.Join("..", "..", "models", "features", "model.npz")
	if _, err := os.Stat(model); err != nil {
		t.Skip("no shipped feature network")
	}
	design := testDesign(t, []string{"01"}, 1, 60)
	pool := testPool(90, 50, 64)
	cache := t.TempDir()
	run := func(cfg Config) string {
		out := filepath.Join(t.TempDir(), "sim")
		if _, err := Simulate(context.Background(), cfg, pool, Options{DesignRoot: design, Out: out, Command: "test", FeatureCache: cache}); err != nil {
			t.Fatal(err)
		}
		return out
	}
	cfg := tinyConfig("01")
	cfg.NVols = 60
	v1 := run(cfg)
	cfg.Brain, cfg.V2 = BrainV2, DefaultBrainV2()
	cfg.V2.FeatureModel = model
	cfg.V2.Dims = 8
	a := run(cfg)
	cached, _ := filepath.Glob(filepath.Join(cache, "featnet-*.npy"))
	if len(cached) != 1 {
		t.Fatalf("cache holds %v, want one feature file", cached)
	}
	b := run(cfg)
	bold := "sub-01/ses-01/func/sub-01_ses-01_task-faces_run-01_bold.nii.gz"
	read := func(dir, rel string) []byte {
		x, err := os.ReadFile(filepath.Join(dir, rel))
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	for _, c := range []struct {
		name  string
		x, y  string
		equal bool
	}{
		{"v2 twice (second from the cache)", a, b, true},
		{"v2 against v1", a, v1, false},
	} {
		if got := bytes.Equal(read(c.x, bold), read(c.y, bold)); got != c.equal {
			t.Errorf("%s: BOLD equal %v, want %v", c.name, got, c.equal)
		}
	}
	if d := string(read(a, "dataset_description.json")); !strings.Contains(d, `"Brain": "v2"`) {
		t.Errorf("the description does not record the brain v2")
	}
	if d := string(read(v1, "dataset_description.json")); strings.Contains(d, `"Brain"`) || strings.Contains(d, `"V2"`) {
		t.Errorf("a v1 description records a brain field")
	}
}
