package fmriout

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"fmriface/ckpt"
)

func fixture(t testing.TB, id string, seed uint64) *Subject {
	t.Helper()
	s, err := Synthetic(SyntheticOptions{ID: id, Seed: seed})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestRoundTripAndDeterminism(t *testing.T) {
	dir := t.TempDir()
	s := fixture(t, "sub-02", 4)
	p := Path(dir, s.ID)
	if err := Write(p, s); err != nil {
		t.Fatal(err)
	}
	first, _ := os.ReadFile(p)
	if err := Write(p, s); err != nil {
		t.Fatal(err)
	}
	second, _ := os.ReadFile(p)
	if !bytes.Equal(first, second) {
		t.Fatal("writing the same subject twice gave different bytes")
	}
	got, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, s) {
		t.Fatalf("round trip changed the subject")
	}
	if err := Write(Path(dir, "sub-01"), fixture(t, "sub-01", 1)); err != nil {
		t.Fatal(err)
	}
	subs, err := ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(subs) != 2 || subs[0].ID != "sub-01" || subs[1].ID != "sub-02" {
		t.Fatalf("ReadDir gave %d subjects", len(subs))
	}
}

// rewrite loads path, applies edit to its tensors, and saves it again.
func rewrite(t *testing.T, path string, edit func(f *ckpt.File)) {
	t.Helper()
	f, err := ckpt.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	edit(f)
	var ts []ckpt.Tensor
	for _, n := range f.Order {
		if tt, ok := f.Tensors[n]; ok {
			ts = append(ts, tt)
		}
	}
	if err := ckpt.Save(path, f.Meta, ts, ckpt.Float32); err != nil {
		t.Fatal(err)
	}
}

func TestReadErrors(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(f *ckpt.File)
		substr string
	}{
		{"missing decoder", func(f *ckpt.File) { delete(f.Tensors, "decoder.temporal") }, "missing array decoder.temporal"},
		{"wrong shape", func(f *ckpt.File) {
			t := f.Tensors["test.latents"]
			t.Shape = []int{t.Shape[1], t.Shape[0]}
			f.Tensors["test.latents"] = t
		}, "array test.latents has shape [16 20], want [20 16]"},
		{"fractional index", func(f *ckpt.File) { f.Tensors["roi.occipital"].Data[0] = 0.5 }, "roi.occipital[0] = 0.5"},
		{"roi mismatch", func(f *ckpt.File) { f.Tensors["voxels.roi"].Data[0] = 4 - f.Tensors["voxels.roi"].Data[0] }, "roi."},
		{"nan", func(f *ckpt.File) { f.Tensors["test.patterns"].Data[3] = float32(nanF()) }, "test.patterns[3] is NaN"},
		{"unknown", func(f *ckpt.File) {
			f.Tensors["extra"] = ckpt.Tensor{Name: "extra", Shape: []int{1}, Data: []float32{1}}
			f.Order = append(f.Order, "extra")
		}, "unknown array extra"},
		{"format", func(f *ckpt.File) { f.Meta = []byte(`{"format":"other"}`) }, `format is "other"`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := Path(t.TempDir(), "sub-01")
			if err := Write(p, fixture(t, "sub-01", 1)); err != nil {
				t.Fatal(err)
			}
			rewrite(t, p, c.edit)
			_, err := Read(p)
			if err == nil || !strings.Contains(err.Error(), c.substr) || !strings.Contains(err.Error(), p) {
				t.Fatalf("error %v, want it to name %s and contain %q", err, p, c.substr)
			}
		})
	}
}

func TestValidate(t *testing.T) {
	cases := []struct {
		name   string
		edit   func(s *Subject)
		substr string
	}{
		{"id", func(s *Subject) { s.ID = "../x" }, "want sub-XX"},
		{"target", func(s *Subject) { s.ImageryTarget = 20 }, "imagery_target 20"},
		{"ijk", func(s *Subject) { s.VoxelIJK[4] = 99 }, "voxels.ijk[1][1] = 99"},
		{"male", func(s *Subject) { s.TestMale[2] = 2 }, "test.male[2] = 2"},
		{"decoder", func(s *Subject) { s.ROIs[1].Decoder = s.ROIs[1].Decoder[1:] }, "decoder.occipital"},
		{"patterns", func(s *Subject) { s.TestPatterns = s.TestPatterns[:10] }, "test.patterns has 10 values"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			s := fixture(t, "sub-01", 1)
			c.edit(s)
			err := Write(filepath.Join(t.TempDir(), "x.npz"), s)
			if err == nil || !strings.Contains(err.Error(), c.substr) {
				t.Fatalf("error %v, want %q", err, c.substr)
			}
		})
	}
}

func TestSyntheticDecodes(t *testing.T) {
	// The fixture must be decodable, or tests built on it prove nothing.
	s := fixture(t, "sub-01", 9)
	L, V, N := s.Latent, s.NVoxels(), s.NTest()
	all, _ := s.ROI("all")
	wins := 0
	dec := make([][]float64, N)
	for i := 0; i < N; i++ {
		dec[i] = make([]float64, L)
		for v := 0; v < V; v++ {
			y := float64(s.TestPatterns[i*V+v])
			for j := 0; j < L; j++ {
				dec[i][j] += y * float64(all.Decoder[v*L+j])
			}
		}
	}
	for i := 0; i < N; i++ {
		for j := 0; j < N; j++ {
			if i != j && dist(dec[i], s.TestLatents[i*L:(i+1)*L]) < dist(dec[i], s.TestLatents[j*L:(j+1)*L]) {
				wins++
			}
		}
	}
	if acc := float64(wins) / float64(N*(N-1)); acc < 0.8 {
		t.Fatalf("synthetic subject decodes at pairwise %.2f, want ≥ 0.8", acc)
	}
}

func dist(a []float64, b []float32) float64 {
	s := 0.0
	for i := range a {
		d := a[i] - float64(b[i])
		s += d * d
	}
	return s
}

func nanF() float64 { z := 0.0; return z / z }

func TestAxes(t *testing.T) {
	p := filepath.Join(t.TempDir(), AxesFileName)
	a := &Axes{Male: []float32{1, -2, 3}, Smile: []float32{0, 0.5, 0}, Meta: AxesMeta{Model: "m.npz", Counts: map[string]int{"male": 3}}}
	if err := WriteAxes(p, a); err != nil {
		t.Fatal(err)
	}
	b, err := ReadAxes(p)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Fatalf("axes round trip: %+v vs %+v", a, b)
	}
	if err := WriteAxes(p, &Axes{Male: []float32{1}, Smile: []float32{1, 2}}); err == nil {
		t.Fatal("mismatched axes written")
	}
	if _, err := ReadAxes(filepath.Join(t.TempDir(), "none.npz")); err == nil || !strings.Contains(err.Error(), "none.npz") {
		t.Fatalf("missing axes file: %v", err)
	}
}
