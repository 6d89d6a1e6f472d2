package metrics

import (
	"encoding/json"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

type ssimCase struct {
	Name  string `json:"name"`
	Shape []int  `json:"shape"`
	// Window is "uniform" (scikit-image's default; also when absent) or
	// "gaussian" (Wang et al.'s reference settings).
	Window string  `json:"window"`
	A      []int   `json:"a"`
	B      []int   `json:"b"`
	SSIM   float64 `json:"ssim"`
}

func readSSIMCases(t *testing.T, path string) []ssimCase {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		Skimage string     `json:"skimage"`
		Cases   []ssimCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if len(f.Cases) == 0 {
		t.Fatalf("%s: no cases", path)
	}
	return f.Cases
}

func pixels(v []int) []float32 {
	out := make([]float32, len(v))
	for i, x := range v {
		out[i] = float32(x) / 255
	}
	return out
}

// hwc64 converts a CHW image to HWC float64.
func hwc64(x []float32, c, h, w int) []float64 {
	out := make([]float64, len(x))
	for ch := range c {
		for p := range h * w {
			out[p*c+ch] = float64(x[ch*h*w+p])
		}
	}
	return out
}

// checkSSIMCases checks each case in both layouts and element types.
func checkSSIMCases(t *testing.T, cases []ssimCase) {
	t.Helper()
	gaussian := 0
	for _, tc := range cases {
		c, h, w := tc.Shape[0], tc.Shape[1], tc.Shape[2]
		a, b := pixels(tc.A), pixels(tc.B)
		var got, hwc float64
		switch tc.Window {
		case "", "uniform":
			got = SSIM(a, b, c, h, w)
			hwc = SSIMWith(hwc64(a, c, h, w), hwc64(b, c, h, w), c, h, w, HWC, UniformWindow())
		case "gaussian":
			gaussian++
			got = SSIMWith(a, b, c, h, w, CHW, GaussianWindow())
			hwc = SSIMWith(hwc64(a, c, h, w), hwc64(b, c, h, w), c, h, w, HWC, GaussianWindow())
		default:
			t.Fatalf("%s: unknown window %q", tc.Name, tc.Window)
		}
		if !near(got, tc.SSIM, 1e-9) {
			t.Errorf("%s (%d×%d×%d, %s window): SSIM %.12f, scikit-image %.12f", tc.Name, c, h, w, tc.Window, got, tc.SSIM)
		}
		if math.Float64bits(got) != math.Float64bits(hwc) {
			t.Errorf("%s: CHW float32 %v, HWC float64 %v", tc.Name, got, hwc)
		}
	}
	if gaussian == 0 {
		t.Error("no Gaussian-window case")
	}
}

// Values computed by scikit-image 0.19.3 with testdata/ssim_reference.py.
func TestSSIMMatchesScikitImageReference(t *testing.T) {
	checkSSIMCases(t, readSSIMCases(t, filepath.Join("testdata", "ssim_skimage.json")))
}

// Re-runs the reference script where scikit-image is installed (Debian
// python3-skimage), so the committed numbers stay honest.
func TestSSIMMatchesScikitImageLive(t *testing.T) {
	if testing.Short() {
		t.Skip("short")
	}
	py := ""
	for _, p := range []string{"/usr/bin/python3", "python3"} {
		if exec.Command(p, "-c", "import skimage.metrics").Run() == nil {
			py = p
			break
		}
	}
	if py == "" {
		t.Skip("scikit-image not installed (apt-get install python3-skimage)")
	}
	out := filepath.Join(t.TempDir(), "ssim.json")
	if b, err := exec.Command(py, filepath.Join("testdata", "ssim_reference.py"), out).CombinedOutput(); err != nil {
		t.Fatalf("reference script: %v\n%s", err, b)
	}
	checkSSIMCases(t, readSSIMCases(t, out))
}

func TestSSIMHandWorked(t *testing.T) {
	const c1, c2 = 1e-4, 9e-4
	black, white := make([]float32, 49), make([]float32, 49)
	for i := range white {
		white[i] = 1
	}
	grey := make([]float32, 49)
	for i := range grey {
		grey[i] = 0.5
	}
	rng := rand.New(rand.NewPCG(3, 4))
	tex := make([]float32, 3*12*10)
	for i := range tex {
		tex[i] = rng.Float32()
	}
	inv := make([]float32, len(tex))
	for i, v := range tex {
		inv[i] = 1 - v
	}
	cases := []struct {
		name    string
		a, b    []float32
		c, h, w int
		want    float64
		tol     float64
	}{
		{"identical texture", tex, tex, 3, 12, 10, 1, 1e-12},
		{"identical flat", grey, grey, 1, 7, 7, 1, 1e-12},
		// One 7×7 window, zero variances: S = C1 / (0² + 1² + C1).
		{"black vs white", black, white, 1, 7, 7, c1 / (1 + c1), 1e-15},
		// Means 0.5 and 0: S = C1 / (0.25 + C1).
		{"grey vs black", grey, black, 1, 7, 7, c1 / (0.25 + c1), 1e-15},
		{"too small", tex[:36], tex[:36], 1, 6, 6, math.NaN(), 0},
	}
	for _, tc := range cases {
		if got := SSIM(tc.a, tc.b, tc.c, tc.h, tc.w); !near(got, tc.want, tc.tol) {
			t.Errorf("%s: SSIM %v, want %v", tc.name, got, tc.want)
		}
	}
	// An inverted texture is anti-correlated: SSIM well below zero.
	if s := SSIM(tex, inv, 3, 12, 10); s > -0.5 {
		t.Errorf("inverted texture: SSIM %v, want < -0.5", s)
	}
	// MeanSSIM averages the per-pair values.
	both := append(append([]float32(nil), tex...), tex...)
	other := append(append([]float32(nil), tex...), inv...)
	want := (1 + SSIM(tex, inv, 3, 12, 10)) / 2
	if got := MeanSSIM(both, other, 2, 3, 12, 10); !near(got, want, 1e-12) {
		t.Errorf("MeanSSIM %v, want %v", got, want)
	}
}

// boxBlur returns img (c×h×w) averaged over 3×3 neighbourhoods (edges clamped).
func boxBlur(img []float32, c, h, w int) []float32 {
	out := make([]float32, len(img))
	for ch := range c {
		p := img[ch*h*w : (ch+1)*h*w]
		for y := range h {
			for x := range w {
				var s float32
				for dy := -1; dy <= 1; dy++ {
					for dx := -1; dx <= 1; dx++ {
						yy, xx := min(max(y+dy, 0), h-1), min(max(x+dx, 0), w-1)
						s += p[yy*w+xx]
					}
				}
				out[ch*h*w+y*w+x] = s / 9
			}
		}
	}
	return out
}

func TestSharpnessHandWorked(t *testing.T) {
	ramp := make([]float32, 2*5*6)
	for i := range ramp {
		ramp[i] = 0.01 * float32(i%6+2*(i/6%5))
	}
	dot := make([]float32, 9)
	dot[4] = 1 // centre pixel: L = −4, the only interior pixel
	cross := []float32{0, 1, 0, 1, 0, 1, 0, 1, 0}
	cases := []struct {
		name    string
		img     []float32
		c, h, w int
		want    float64
	}{
		{"flat", make([]float32, 3*4*4), 3, 4, 4, 0},
		{"linear ramp has no curvature", ramp, 2, 5, 6, 0},
		{"single dot", dot, 1, 3, 3, 16},
		{"cross around a hole", cross, 1, 3, 3, 16},
		{"too small", make([]float32, 4), 1, 2, 2, math.NaN()},
	}
	for _, tc := range cases {
		if got := Sharpness(tc.img, tc.c, tc.h, tc.w); !near(got, tc.want, 1e-9) {
			t.Errorf("%s: Sharpness %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSharpnessRatio(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 9))
	n, c, h, w := 5, 3, 16, 16
	orig := make([]float32, n*c*h*w)
	for i := range orig {
		orig[i] = rng.Float32()
	}
	size := c * h * w
	blurred := make([]float32, 0, len(orig))
	for i := range n {
		blurred = append(blurred, boxBlur(orig[i*size:(i+1)*size], c, h, w)...)
	}
	if r := SharpnessRatio(orig, orig, n, c, h, w); !near(r, 1, 1e-12) {
		t.Errorf("same images: ratio %v, want 1", r)
	}
	r := SharpnessRatio(orig, blurred, n, c, h, w)
	if !(r < 0.2) {
		t.Errorf("3×3 box blur of noise: ratio %v, want well below 1", r)
	}
	if r2 := SharpnessRatio(blurred, orig, n, c, h, w); !(r2 > 1/r*0.5) {
		t.Errorf("reverse ratio %v is not large (forward %v)", r2, r)
	}
	// A flat original is left out; with only flat originals the ratio is NaN.
	flat := make([]float32, size)
	if r := SharpnessRatio(append(append([]float32(nil), flat...), orig[:size]...), append(append([]float32(nil), orig[:size]...), orig[:size]...), 2, c, h, w); !near(r, 1, 1e-12) {
		t.Errorf("flat original not skipped: ratio %v", r)
	}
	if r := SharpnessRatio(flat, orig[:size], 1, c, h, w); !math.IsNaN(r) {
		t.Errorf("only flat originals: ratio %v, want NaN", r)
	}
}
