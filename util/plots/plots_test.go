package plots

import (
	"image"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// checkPNG decodes path and checks its size and that it is not blank.
func checkPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if b := img.Bounds(); b.Dx() != 960 || b.Dy() != 600 {
		t.Errorf("%s: size %v, want 960×600", path, b.Size())
	}
	colours := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y += 3 {
		for x := b.Min.X; x < b.Max.X; x += 3 {
			r, g, bb, _ := img.At(x, y).RGBA()
			colours[[3]uint32{r >> 8, g >> 8, bb >> 8}] = true
		}
	}
	if len(colours) < 5 {
		t.Errorf("%s: only %d colours: blank figure?", path, len(colours))
	}
	return img
}

// hasColour reports whether some pixel is close to the given 8-bit colour.
func hasColour(img image.Image, r0, g0, b0 int) bool {
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bb, _ := img.At(x, y).RGBA()
			if abs(int(r>>8)-r0) < 8 && abs(int(g>>8)-g0) < 8 && abs(int(bb>>8)-b0) < 8 {
				return true
			}
		}
	}
	return false
}

func abs(x int) int { return max(x, -x) }

func TestLines(t *testing.T) {
	dir := t.TempDir()
	x := make([]float64, 100)
	y1, y2 := make([]float64, 100), make([]float64, 100)
	for i := range x {
		x[i] = float64(i)
		y1[i] = math.Exp(-x[i] / 30)
		y2[i] = 0.5 + 0.3*math.Exp(-x[i]/50)
	}
	y2[50] = math.NaN()
	path := filepath.Join(dir, "loss.png")
	if err := Lines(path, "Training losses", "step", "loss", []Series{{"recon", x, y1}, {"KL", x, y2}}); err != nil {
		t.Fatal(err)
	}
	img := checkPNG(t, path)
	// plotutil's first two colours: red-ish (241,90,96) and green-ish (122,195,106).
	if !hasColour(img, 241, 90, 96) || !hasColour(img, 122, 195, 106) {
		t.Error("series colours not found in the figure")
	}

	bad := []struct {
		name   string
		series []Series
		want   string
	}{
		{"none", nil, "no series"},
		{"length mismatch", []Series{{"a", []float64{1, 2}, []float64{1}}}, `"a" has 2 X and 1 Y`},
		{"all NaN", []Series{{"a", []float64{math.NaN()}, []float64{1}}}, "no finite points"},
	}
	for _, b := range bad {
		err := Lines(filepath.Join(dir, "bad.png"), "t", "x", "y", b.series)
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: error %v, want %q", b.name, err, b.want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "bad.png")); err == nil {
		t.Error("a failed call left a file behind")
	}
}

func TestBars(t *testing.T) {
	dir := t.TempDir()
	groups := []string{"sub-01", "sub-02", "sub-03", "sub-04"}
	models := []string{"VAE-GAN", "PCA"}
	values := [][]float64{{0.95, 0.92, 0.88, 0.91}, {0.85, 0.83, 0.78, 0.8}}
	for _, ref := range [][]float64{nil, {0.5}, {0.5, 0.55, 0.5, 0.6}} {
		path := filepath.Join(dir, "bars.png")
		if err := Bars(path, "Pairwise accuracy", "accuracy", groups, models, values, ref); err != nil {
			t.Fatalf("ref %v: %v", ref, err)
		}
		img := checkPNG(t, path)
		if !hasColour(img, 241, 90, 96) || !hasColour(img, 122, 195, 106) {
			t.Errorf("ref %v: bar colours missing", ref)
		}
	}
	bad := []struct {
		name   string
		groups []string
		values [][]float64
		ref    []float64
		want   string
	}{
		{"rows", groups, values[:1], nil, "1 value rows for 2 models"},
		{"cols", groups, [][]float64{{1}, {2}}, nil, `"VAE-GAN" has 1 values for 4 groups`},
		{"nan", groups, [][]float64{{1, 1, 1, math.NaN()}, {1, 1, 1, 1}}, nil, `"sub-04"`},
		{"ref len", groups, values, []float64{1, 2}, "2 reference values"},
		{"no groups", nil, values, nil, "at least one group"},
	}
	for _, b := range bad {
		err := Bars(filepath.Join(dir, "b.png"), "t", "y", b.groups, models, b.values, b.ref)
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("%s: error %v, want %q", b.name, err, b.want)
		}
	}
}

func TestBarsFrom(t *testing.T) {
	dir := t.TempDir()
	bars := []Bar{
		{"sub-01", map[string]float64{"PCA": 0.8, "VAE-GAN": 0.9}},
		{"sub-02", map[string]float64{"PCA": 0.7, "VAE-GAN": 0.85}},
	}
	if err := BarsFrom(filepath.Join(dir, "b.png"), "t", "acc", bars, []float64{0.5}); err != nil {
		t.Fatal(err)
	}
	checkPNG(t, filepath.Join(dir, "b.png"))
	bars[1].Values = map[string]float64{"PCA": 0.7}
	if err := BarsFrom(filepath.Join(dir, "c.png"), "t", "acc", bars, nil); err == nil || !strings.Contains(err.Error(), "VAE-GAN") {
		t.Errorf("missing model value: %v", err)
	}
}

func TestHistogram(t *testing.T) {
	dir := t.TempDir()
	vals := make([]float64, 1000)
	for i := range vals {
		vals[i] = math.Sin(float64(i)*0.7) + math.Cos(float64(i)*1.3)
	}
	vals[3] = math.Inf(1)
	cases := []struct {
		name   string
		values []float64
		bins   int
		want   string // "" = success
	}{
		{"normal", vals, 30, ""},
		{"constant", []float64{2, 2, 2}, 5, ""},
		{"one bin", vals, 1, ""},
		{"no bins", vals, 0, "0 bins"},
		{"all NaN", []float64{math.NaN()}, 5, "no finite values"},
		{"empty", nil, 5, "no finite values"},
	}
	for _, c := range cases {
		path := filepath.Join(dir, c.name+".png")
		err := Histogram(path, "Voxel correlations", "r", c.values, c.bins)
		if c.want == "" {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
				continue
			}
			checkPNG(t, path)
		} else if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

func TestWriteIntoMissingFolder(t *testing.T) {
	err := Histogram(filepath.Join(t.TempDir(), "no", "h.png"), "t", "x", []float64{1, 2}, 2)
	if err == nil {
		t.Error("write into a missing folder succeeded")
	}
}

func TestNiceTicks(t *testing.T) {
	cases := []struct {
		lo, hi float64
		want   []string
	}{
		{0, 270, []string{"0", "50", "100", "150", "200", "250"}},
		{0, 1, []string{"0.0", "0.2", "0.4", "0.6", "0.8", "1.0"}},
		{-0.93, 0.97, []string{"-0.8", "-0.6", "-0.4", "-0.2", "0.0", "0.2", "0.4", "0.6", "0.8"}},
		{3, 3, []string{"3"}},
	}
	for _, c := range cases {
		var got []string
		for _, tk := range (niceTicks{}).Ticks(c.lo, c.hi) {
			if tk.Label != "" {
				got = append(got, tk.Label)
			}
		}
		if strings.Join(got, " ") != strings.Join(c.want, " ") {
			t.Errorf("Ticks(%v,%v) = %v, want %v", c.lo, c.hi, got, c.want)
		}
	}
}
