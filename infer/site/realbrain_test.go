package site_test

import (
	"bytes"
	"errors"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"

	"fmriface/bundle"
	"fmriface/bundle/quant"
	"fmriface/infer/site"
	"fmriface/site/fixture"
)

// TestRealBrainRoundTrip encodes the fixture's realbrain file and loads it
// back, checked and unchecked: the same values, the same bytes again, small.
func TestRealBrainRoundTrip(t *testing.T) {
	want := fixture.RealBrain(7)
	data, err := want.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if len(data) > 100e3 {
		t.Errorf("%d bytes, want at most 100 kB", len(data))
	}
	for name, load := range map[string]func(string, []byte) (*site.RealBrain, error){
		"LoadRealBrain": site.LoadRealBrain, "LoadRealBrainVerified": site.LoadRealBrainVerified} {
		got, err := load("real.fmb", data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: the loaded file differs from the encoded one", name)
		}
		again, err := got.Encode()
		if err != nil || !bytes.Equal(again, data) {
			t.Errorf("%s: encoding the loaded file gives other bytes (%v)", name, err)
		}
	}
	if fs := want.FaceSelective(); len(fs) == 0 || len(fs) == len(want.Mask) {
		t.Errorf("%d of %d voxels face-selective", len(fs), len(want.Mask))
	}
	for _, m := range want.Methods {
		if c := m.Correct(want.K()); float64(c)/float64(len(m.Predicted)) != m.Accuracy {
			t.Errorf("%s: %d correct, accuracy %v", m.Name, c, m.Accuracy)
		}
	}
}

// TestRealBrainValidate breaks one field at a time: Encode refuses each, and
// the error names the field.
func TestRealBrainValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		edit func(r *site.RealBrain)
		want string
	}{
		{"grid", func(r *site.RealBrain) { r.NX = 0 }, "grid 0×20"},
		{"huge grid", func(r *site.RealBrain) { r.NX, r.NY = 1024, 1024 }, "out of range"},
		{"mean size", func(r *site.RealBrain) { r.Mean = r.Mean[1:] }, "mean_image: 799 values"},
		{"mean NaN", func(r *site.RealBrain) { r.Mean[3] = float32(math.NaN()) }, "mean_image: value 3"},
		{"affine", func(r *site.RealBrain) { r.Affine[0] = math.Inf(1) }, "affine[0]"},
		{"no mask", func(r *site.RealBrain) { r.Mask, r.T = nil, nil }, "map: 0 mask voxels"},
		{"t size", func(r *site.RealBrain) { r.T = r.T[1:] }, "t values"},
		{"mask order", func(r *site.RealBrain) { r.Mask[1] = r.Mask[0] }, "map.mask: voxel 1"},
		{"mask range", func(r *site.RealBrain) { r.Mask[len(r.Mask)-1] = 800 }, "outside 0…799"},
		{"t Inf", func(r *site.RealBrain) { r.T[0] = float32(math.Inf(-1)) }, "map.t_face: value 0"},
		{"alpha", func(r *site.RealBrain) { r.Alpha = 0 }, "alpha 0"},
		{"threshold", func(r *site.RealBrain) { r.Threshold = math.NaN() }, "threshold NaN"},
		{"dof", func(r *site.RealBrain) { r.DOF = 0 }, "dof 0"},
		{"one category", func(r *site.RealBrain) { r.Categories = r.Categories[:1] }, "1 categories"},
		{"no runs", func(r *site.RealBrain) { r.Runs = nil }, "0 runs"},
		{"duplicate run", func(r *site.RealBrain) { r.Runs[1] = r.Runs[0] }, "runs[1]: \"run 0\" listed twice"},
		{"empty category", func(r *site.RealBrain) { r.Categories[2] = "" }, "categories[2]"},
		{"no methods", func(r *site.RealBrain) { r.Methods = nil }, "0 methods"},
		{"predicted size", func(r *site.RealBrain) { r.Methods[1].Predicted = r.Methods[1].Predicted[1:] }, "method 1 (shrinkage LDA): 95 predictions"},
		{"predicted range", func(r *site.RealBrain) { r.Methods[0].Predicted[5] = 8 }, "decoded category 8"},
		{"confusion", func(r *site.RealBrain) { r.Methods[0].Confusion[0]++ }, "not the sum of the predictions"},
		{"accuracy", func(r *site.RealBrain) { r.Methods[0].Accuracy += 0.01 }, "blocks are decoded correctly"},
		{"accuracy NaN", func(r *site.RealBrain) { r.Methods[0].Accuracy = math.NaN() }, "accuracy NaN"},
		{"p", func(r *site.RealBrain) { r.Methods[0].PValue = 0 }, "p-values 0"},
		{"pairwise", func(r *site.RealBrain) { r.Methods[1].Pairwise = 1.5 }, "pairwise 1.5"},
		{"permutations", func(r *site.RealBrain) { r.Permutations = 0 }, "permutations 0"},
		{"no citation", func(r *site.RealBrain) { r.Citation = "" }, "citation"},
		{"long licence", func(r *site.RealBrain) { r.License = strings.Repeat("x", 5000) }, "license: want 1 to 4096 bytes"},
		{"bad UTF-8", func(r *site.RealBrain) { r.Title = "\xff" }, "title"},
		{"literature", func(r *site.RealBrain) { r.Literature[0].Ours = "" }, "literature[0].ours"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := fixture.RealBrain(2)
			tc.edit(r)
			_, err := r.Encode()
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "realbrain: ") {
				t.Fatalf("got %v, want an error naming %q", err, tc.want)
			}
		})
	}
}

// TestLoadRealBrainRefuses feeds damaged or foreign files: each is refused
// with an error that starts with the file name.
func TestLoadRealBrainRefuses(t *testing.T) {
	good, err := fixture.RealBrain(3).Encode()
	if err != nil {
		t.Fatal(err)
	}
	// rewrite re-encodes the fixture with one change the struct cannot
	// express (a wrong kind, a missing key, a tensor of another shape).
	// The tensor the edit adds (if any) is not copied.
	rewrite := func(edit func(w *bundle.Writer), tensor ...string) []byte {
		b, err := bundle.Parse(good, bundle.Limits{})
		if err != nil {
			t.Fatal(err)
		}
		w := bundle.NewWriter()
		for _, k := range b.MetaKeys() {
			v, _ := b.Meta(k)
			w.SetMeta(k, v)
		}
		for _, n := range b.Names() {
			if slices.Contains(tensor, n) {
				continue
			}
			info, _ := b.Tensor(n)
			switch info.DType {
			case bundle.I32:
				v, _ := b.Int32(n)
				w.AddInt32(n, info.Shape, v)
			case bundle.U8:
				v, _ := b.Uint8(n)
				w.AddUint8(n, info.Shape, v)
			default:
				v, _ := b.Float32(n)
				w.AddFloat32(n, info.Shape, v, quant.F32)
			}
		}
		edit(w)
		out, err := w.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	flipped := bytes.Clone(good)
	flipped[len(flipped)/2] ^= 1
	for _, tc := range []struct {
		name string
		data []byte
		want string
	}{
		{"empty", nil, "truncated"},
		{"not a bundle", make([]byte, 200), "not a bundle"},
		{"truncated", good[:len(good)-40], "truncated"},
		{"bit flip", flipped, "checksum"},
		{"too big", make([]byte, site.MaxRealBrainBytes+1), "at most"},
		{"kind", rewrite(func(w *bundle.Writer) { w.SetMeta(bundle.KeyKind, "subject") }), `meta kind = "subject"`},
		{"no categories", rewrite(func(w *bundle.Writer) { w.SetMeta("categories", 3) }), "meta categories"},
		{"accuracy count", rewrite(func(w *bundle.Writer) { w.SetMeta("accuracy", []float64{0.5}) }), "meta accuracy: 1 values, want 2"},
		{"literature rows", rewrite(func(w *bundle.Writer) { w.SetMeta("literature.ours", []string{"a", "b"}) }), "meta literature.ours: 2 rows"},
		{"dof", rewrite(func(w *bundle.Writer) { w.SetMeta("map.dof", int64(-1)) }), "meta map.dof"},
		{"predicted shape", rewrite(func(w *bundle.Writer) { w.AddUint8("predicted", []int{2, 8, 12}, make([]uint8, 192)) }, "predicted"), "tensor predicted: shape [2 8 12]"},
		{"t shape", rewrite(func(w *bundle.Writer) { w.AddFloat32("map.t_face", []int{3}, make([]float32, 3), quant.F32) }, "map.t_face"), "tensor map.t_face: shape [3]"},
		{"mean rank", rewrite(func(w *bundle.Writer) { w.AddFloat32("mean_image", []int{800}, make([]float32, 800), quant.F32) }, "mean_image"), "tensor mean_image: shape [800], want 2 dims"},
		{"confusion", rewrite(func(w *bundle.Writer) { w.AddInt32("confusion", []int{2, 8, 8}, make([]int32, 128)) }, "confusion"), "not the sum of the predictions"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := site.LoadRealBrain("real.fmb", tc.data)
			if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.HasPrefix(err.Error(), "real.fmb: ") {
				t.Fatalf("got %v, want an error naming %q", err, tc.want)
			}
		})
	}
	// A file over the reader's element bound is refused before its tensors
	// are read.
	if _, err := site.LoadRealBrain("real.fmb", rewrite(func(w *bundle.Writer) {
		w.AddFloat32("extra", []int{1 << 17}, make([]float32, 1<<17), quant.Q4)
	})); err == nil || !errors.Is(err, bundle.ErrLimit) {
		t.Errorf("a tensor over the reader's bound: %v", err)
	}
}

// FuzzLoadRealBrain: whatever the bytes, LoadRealBrain returns an error or a
// file that passes Validate, encodes, and loads back the same.
func FuzzLoadRealBrain(f *testing.F) {
	good, err := fixture.RealBrain(1).Encode()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := site.LoadRealBrain("fuzz.fmb", data)
		if err != nil {
			return
		}
		if err := r.Validate(); err != nil {
			t.Fatalf("loaded a file that fails Validate: %v", err)
		}
		enc, err := r.Encode()
		if err != nil {
			t.Fatal(err)
		}
		back, err := site.LoadRealBrain("again.fmb", enc)
		if err != nil || !reflect.DeepEqual(back, r) {
			t.Fatalf("the re-encoded file loads differently (%v)", err)
		}
		_ = r.FaceSelective()
	})
}
