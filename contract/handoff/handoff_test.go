package handoff

import (
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"fmriface/neuro/decoding"
	"fmriface/neuro/score"
	"fmriface/util/ckpt"
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
		// A file from before the mean was required: decoding it would be
		// silently off by the mean, so it is refused.
		{"missing mean", func(f *ckpt.File) { delete(f.Tensors, "latent.mean") }, "missing array latent.mean (shape [16])"},
		{"mean shape", func(f *ckpt.File) {
			t := f.Tensors["latent.mean"]
			t.Shape = []int{1, 16}
			f.Tensors["latent.mean"] = t
		}, "array latent.mean has shape [1 16], want [16]"},
		{"mean nan", func(f *ckpt.File) { f.Tensors["latent.mean"].Data[5] = float32(nanF()) }, "latent.mean[5] is NaN"},
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
		{"no mean", func(s *Subject) { s.LatentMean = nil }, "latent.mean has 0 values, want 16"},
		{"mean inf", func(s *Subject) { s.LatentMean[3] = float32(math.Inf(1)) }, "latent.mean[3] is +Inf"},
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

// fileDecode decodes the n patterns of V values in y with the subject's
// ROI as the file specifies, ẑ = y[roi]·D + mean (mean nil: without it),
// accumulated in float64.
func fileDecode(s *Subject, r *ROI, y []float32, mean []float32) [][]float64 {
	L, V := s.Latent, s.NVoxels()
	out := make([][]float64, len(y)/V)
	for i := range out {
		z := make([]float64, L)
		for k, v := range r.Voxels {
			yv := float64(y[i*V+int(v)])
			for j := range z {
				z[j] += yv * float64(r.Decoder[k*L+j])
			}
		}
		for j := range mean {
			z[j] += float64(mean[j])
		}
		out[i] = z
	}
	return out
}

func TestSyntheticDecodes(t *testing.T) {
	// The fixture must be decodable, or tests built on it prove nothing;
	// and its mean must matter, or a decode that forgets it would pass.
	s := fixture(t, "sub-01", 9)
	L, N := s.Latent, s.NTest()
	all, _ := s.ROI("all")
	accuracy := func(dec [][]float64) float64 {
		wins := 0
		for i := 0; i < N; i++ {
			for j := 0; j < N; j++ {
				if i != j && dist(dec[i], s.TestLatents[i*L:(i+1)*L]) < dist(dec[i], s.TestLatents[j*L:(j+1)*L]) {
					wins++
				}
			}
		}
		return float64(wins) / float64(N*(N-1))
	}
	// rms is the decoded latents' RMS error.
	rms := func(dec [][]float64) float64 {
		var ss float64
		for i := range dec {
			ss += dist(dec[i], s.TestLatents[i*L:(i+1)*L])
		}
		return math.Sqrt(ss / float64(N*L))
	}
	with, without := fileDecode(s, all, s.TestPatterns, s.LatentMean), fileDecode(s, all, s.TestPatterns, nil)
	if acc := accuracy(with); acc < 0.8 {
		t.Fatalf("synthetic subject decodes at pairwise %.2f, want ≥ 0.8", acc)
	}
	t.Logf("RMS error of the decoded latents: %.3f with latent.mean, %.3f without", rms(with), rms(without))
	if rms(without) < 1.5*rms(with) {
		t.Fatalf("RMS error %.3f without latent.mean, %.3f with: the mean should matter", rms(without), rms(with))
	}
}

// The file's contract, ẑ = y[roi]·D + latent.mean read back from disk,
// reproduces the latents the analysis computes (its float64 decoder of the
// fitted W, then the training mean added back, as neuro/analysis's uncentre
// does) for every ROI and pattern set, and so the analysis's pairwise
// accuracy; D alone does not.
func TestFileDecodesLikeAnalysis(t *testing.T) {
	orig, fit, err := synthetic(SyntheticOptions{ID: "sub-03", Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	p := Path(t.TempDir(), orig.ID)
	if err := Write(p, orig); err != nil {
		t.Fatal(err)
	}
	s, err := Read(p)
	if err != nil {
		t.Fatal(err)
	}
	L, V := s.Latent, s.NVoxels()
	sets := []struct {
		name string
		y    []float32
	}{{"test.patterns", s.TestPatterns}, {"test.subsets", s.TestSubsets}, {"imagery.pattern", s.ImageryPattern}}
	for k := range s.ROIs {
		r := &s.ROIs[k]
		idx := make([]int, len(r.Voxels))
		for i, v := range r.Voxels {
			idx[i] = int(v)
		}
		dec, err := decoding.NewSubset(fit.W, idx)
		if err != nil {
			t.Fatal(err)
		}
		for _, set := range sets {
			t.Run(r.Name+"/"+set.name, func(t *testing.T) {
				n := len(set.y) / V
				Y := mat.NewDense(n, len(idx), nil)
				for i := 0; i < n; i++ {
					for a, v := range idx {
						Y.Set(i, a, float64(set.y[i*V+v]))
					}
				}
				want, err := dec.DecodeRows(Y)
				if err != nil {
					t.Fatal(err)
				}
				got, centred := fileDecode(s, r, set.y, s.LatentMean), fileDecode(s, r, set.y, nil)
				var worst, off float64
				for i := range got {
					for j := range got[i] {
						w := want.At(i, j) + fit.Mean[j]
						worst = max(worst, math.Abs(got[i][j]-w)/(1+math.Abs(w)))
						off = max(off, math.Abs(centred[i][j]-w))
					}
				}
				if worst > 1e-4 {
					t.Errorf("y·D + latent.mean differs from the analysis's latents by %.3g (relative)", worst)
				}
				if off < 0.1 {
					t.Errorf("y·D alone is within %.3g of the analysis's latents: the fixture's mean is too small to test the contract", off)
				}
				if set.name != "test.patterns" {
					return
				}
				ref := make([][]float64, n)
				for i := range ref {
					ref[i] = make([]float64, L)
					for j := range ref[i] {
						ref[i][j] = want.At(i, j) + fit.Mean[j]
					}
				}
				truth := make([][]float64, n)
				for i := range truth {
					truth[i] = make([]float64, L)
					for j := range truth[i] {
						truth[i][j] = float64(s.TestLatents[i*L+j])
					}
				}
				pw := func(dec [][]float64) float64 {
					c, err := score.CorrMatrix(dec, truth)
					if err != nil {
						t.Fatal(err)
					}
					p, err := score.PairwiseFromCorr(c)
					if err != nil {
						t.Fatal(err)
					}
					return p.Accuracy
				}
				if a, b := pw(got), pw(ref); a != b {
					t.Errorf("pairwise from the file %.4f, from the analysis's latents %.4f", a, b)
				}
			})
		}
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
