package bundle

import (
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"fmriface/bundle/quant"
)

func randn(seed uint64, n int, scale float64) []float32 {
	r := rand.New(rand.NewPCG(seed, 2))
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64() * scale)
	}
	return x
}

// testTensors is a set of tensors covering every dtype, ragged Q4 rows, an
// empty tensor and a scalar.
type testTensor struct {
	name  string
	shape []int
	f     []float32
	enc   quant.Kind
	i16   []int16
	u8    []uint8
	i32   []int32
}

func testTensors() []testTensor {
	return []testTensor{
		{name: "gen.fc.w", shape: []int{16, 40}, f: randn(1, 640, 0.05), enc: quant.Q4},
		{name: "gen.fc.b", shape: []int{16}, f: randn(2, 16, 0.1), enc: quant.F32},
		{name: "gen.conv1.w", shape: []int{8, 4, 3, 3}, f: randn(3, 288, 0.2), enc: quant.Q8},
		{name: "gen.conv1.b", shape: []int{8}, f: randn(4, 8, 1), enc: quant.F16},
		{name: "dec.w", shape: []int{3, 70}, f: randn(5, 210, 1e3), enc: quant.Q4F32},
		{name: "scalar", shape: []int{}, f: []float32{-1.5}, enc: quant.F32},
		{name: "empty", shape: []int{0, 4}, f: []float32{}, enc: quant.Q8},
		{name: "voxels.ijk", shape: []int{5, 3}, i16: []int16{0, 1, 2, -3, 32767, -32768, 7, 8, 9, 10, 11, 12, 13, 14, 15}},
		{name: "voxels.roi", shape: []int{5}, u8: []uint8{0, 1, 2, 255, 3}},
		{name: "index", shape: []int{2, 2}, i32: []int32{-1, 1 << 30, math.MinInt32, 42}},
	}
}

func addAll(t testing.TB, w *Writer, ts []testTensor) {
	t.Helper()
	for _, tt := range ts {
		var err error
		switch {
		case tt.i16 != nil:
			err = w.AddInt16(tt.name, tt.shape, tt.i16)
		case tt.u8 != nil:
			err = w.AddUint8(tt.name, tt.shape, tt.u8)
		case tt.i32 != nil:
			err = w.AddInt32(tt.name, tt.shape, tt.i32)
		default:
			err = w.AddFloat32(tt.name, tt.shape, tt.f, tt.enc)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
}

func testMeta() map[string]any {
	return map[string]any{
		"kind":         "generator",
		"seed":         int64(-42),
		"psnr":         41.25,
		"folded_bn":    true,
		"layers":       []string{"fc", "conv1", ""},
		"sizes":        []int64{1, -2, 1 << 40},
		"mean":         []float64{0.5, math.Inf(-1)},
		"config":       json.RawMessage(`{"width":32,"latent":1024}`),
		"unicode.ключ": "значение ✓",
	}
}

func testBundle(t testing.TB) []byte {
	t.Helper()
	w := NewWriter()
	for k, v := range testMeta() {
		if err := w.SetMeta(k, v); err != nil {
			t.Fatal(err)
		}
	}
	addAll(t, w, testTensors())
	b, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	data := testBundle(t)
	b, err := Parse(data, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	meta := testMeta()
	if got, want := b.MetaKeys(), sortedKeys(meta); !slices.Equal(got, want) {
		t.Errorf("MetaKeys = %q, want %q", got, want)
	}
	for k, want := range meta {
		got, ok := b.Meta(k)
		if !ok || !reflect.DeepEqual(got, want) {
			t.Errorf("Meta(%q) = %#v, want %#v", k, got, want)
		}
	}
	ts := testTensors()
	var names []string
	for _, tt := range ts {
		names = append(names, tt.name)
		info, err := b.Tensor(tt.name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(info.Shape, tt.shape) || info.Offset%Alignment != 0 {
			t.Errorf("%s: info %+v", tt.name, info)
		}
		switch {
		case tt.i16 != nil:
			got, err := b.Int16(tt.name)
			if err != nil || !slices.Equal(got, tt.i16) {
				t.Errorf("Int16(%s) = %v, %v; want %v", tt.name, got, err, tt.i16)
			}
		case tt.u8 != nil:
			got, err := b.Uint8(tt.name)
			if err != nil || !slices.Equal(got, tt.u8) {
				t.Errorf("Uint8(%s) = %v, %v; want %v", tt.name, got, err, tt.u8)
			}
		case tt.i32 != nil:
			got, err := b.Int32(tt.name)
			if err != nil || !slices.Equal(got, tt.i32) {
				t.Errorf("Int32(%s) = %v, %v; want %v", tt.name, got, err, tt.i32)
			}
		default:
			if k, _ := info.DType.Quant(); k != tt.enc {
				t.Errorf("%s: dtype %v, want %v", tt.name, info.DType, tt.enc)
			}
			want, err := quant.RoundTrip(tt.enc, tt.shape, tt.f)
			if err != nil {
				t.Fatal(err)
			}
			got, err := b.Float32(tt.name)
			if err != nil || !slices.Equal(got, want) {
				t.Errorf("Float32(%s) = %v, %v; want %v", tt.name, got, err, want)
			}
			raw, _ := b.Raw(tt.name)
			enc, _ := quant.Encode(tt.enc, tt.shape, tt.f)
			if !bytes.Equal(raw, enc) {
				t.Errorf("Raw(%s) differs from quant.Encode", tt.name)
			}
		}
	}
	slices.Sort(names)
	if got := b.Names(); !slices.Equal(got, names) {
		t.Errorf("Names = %q, want %q", got, names)
	}
	if b.Size() != int64(len(data)) || b.SHA256() != sha256.Sum256(data[:len(data)-TrailerSize]) {
		t.Errorf("Size/SHA256 wrong")
	}
}

// TestDeterministic checks that the call order does not change the output.
func TestDeterministic(t *testing.T) {
	a := testBundle(t)
	w := NewWriter()
	ts := testTensors()
	slices.Reverse(ts)
	addAll(t, w, ts)
	meta := testMeta()
	keys := sortedKeys(meta)
	slices.Reverse(keys)
	for _, k := range keys {
		w.SetMeta(k, meta[k])
	}
	w.SetMeta("seed", int64(7)) // replaced below: last value wins
	w.SetMeta("seed", int64(-42))
	b, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Fatal("same content added in another order gives different bytes")
	}
	if c, _ := w.Bytes(); !bytes.Equal(b, c) {
		t.Fatal("Bytes twice gives different bytes")
	}
	var buf bytes.Buffer
	if n, err := w.WriteTo(&buf); err != nil || n != int64(len(b)) || !bytes.Equal(buf.Bytes(), b) {
		t.Fatalf("WriteTo = %d, %v", n, err)
	}
}

func TestLayout(t *testing.T) {
	data := testBundle(t)
	le := binary.LittleEndian
	if string(data[:8]) != Magic || !bytes.Equal(data[8:12], []byte{4, 3, 2, 1}) {
		t.Fatalf("header starts % x", data[:12])
	}
	if n := le.Uint64(data[offFileSize:]); n != uint64(len(data)) {
		t.Errorf("file size field %d, file %d", n, len(data))
	}
	if (len(data)-TrailerSize)%Alignment != 0 {
		t.Errorf("trailer at %d is not aligned", len(data)-TrailerSize)
	}
	if d := le.Uint64(data[offDataOff:]); d%Alignment != 0 {
		t.Errorf("data offset %d not aligned", d)
	}
}

func TestProvenance(t *testing.T) {
	w := NewWriter()
	p := Provenance{
		Command:      []string{"exporter", "-out", "site"},
		Config:       json.RawMessage(`{"q":"auto"}`),
		Seed:         0,
		CodeVersion:  "abc123",
		TrainingData: "CelebA subset",
		Subject:      "sub-02",
		VoxelCount:   106600,
	}
	if err := w.SetProvenance(p); err != nil {
		t.Fatal(err)
	}
	data, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	b, err := Parse(data, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.Provenance()
	if err != nil {
		t.Fatal(err)
	}
	gj, _ := json.Marshal(got)
	pj, _ := json.Marshal(p)
	if !bytes.Equal(gj, pj) {
		t.Errorf("Provenance = %s, want %s", gj, pj)
	}
	var cfg struct{ Q string }
	if err := b.MetaJSON(KeyConfig, &cfg); err != nil || cfg.Q != "auto" {
		t.Errorf("MetaJSON = %+v, %v", cfg, err)
	}
	if n, err := b.MetaInt64(KeyVoxelCount); err != nil || n != 106600 {
		t.Errorf("MetaInt64 = %d, %v", n, err)
	}
	// A key of the wrong type is an error, not a silent zero.
	w2 := NewWriter()
	w2.SetMeta(KeySeed, "not a number")
	d2, _ := w2.Bytes()
	b2, err := Parse(d2, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := b2.Provenance(); err == nil || !strings.Contains(err.Error(), `"provenance.seed" is string, not int64`) {
		t.Errorf("Provenance with a string seed: %v", err)
	}
}

func TestAccessorErrors(t *testing.T) {
	b, err := Parse(testBundle(t), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"missing tensor", func() error { _, err := b.Float32("nope"); return err }(), `no tensor "nope"`},
		{"float of int", func() error { _, err := b.Float32("voxels.roi"); return err }(), `"voxels.roi" is u8, not a float tensor`},
		{"int of float", func() error { _, err := b.Int16("gen.fc.w"); return err }(), `"gen.fc.w" is q4, not i16`},
		{"wrong int", func() error { _, err := b.Int32("voxels.ijk"); return err }(), `is i16, not i32`},
		{"short dst", b.Float32Into("gen.fc.w", make([]float32, 10)), "has 640 elements, destination has 10"},
		{"short int dst", b.Uint8Into("voxels.roi", make([]uint8, 10)), "has 5 elements, destination has 10"},
		{"missing meta", func() error { _, err := b.MetaString("nope"); return err }(), `no metadata "nope"`},
		{"meta type", func() error { _, err := b.MetaBool("psnr"); return err }(), `"psnr" is float64, not bool`},
		{"meta json type", b.MetaJSON("kind", new(any)), `"kind" is string, not JSON`},
		{"raw missing", func() error { _, err := b.Raw("x"); return err }(), `no tensor "x"`},
		{"info missing", func() error { _, err := b.Tensor("x"); return err }(), `no tensor "x"`},
	}
	for _, tc := range tests {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to mention %q", tc.name, tc.err, tc.want)
		}
	}
	if s, err := b.MetaStrings("layers"); err != nil || len(s) != 3 {
		t.Errorf("MetaStrings = %q, %v", s, err)
	}
	if f, err := b.MetaFloat64("psnr"); err != nil || f != 41.25 {
		t.Errorf("MetaFloat64 = %g, %v", f, err)
	}
	if v, err := b.MetaBool("folded_bn"); err != nil || !v {
		t.Errorf("MetaBool = %v, %v", v, err)
	}
	// Returned slices are copies: changing them leaves the bundle intact.
	s, _ := b.MetaStrings("layers")
	s[0] = "changed"
	info, _ := b.Tensor("gen.fc.w")
	info.Shape[0] = 99
	if s2, _ := b.MetaStrings("layers"); s2[0] != "fc" {
		t.Error("MetaStrings returned the bundle's own slice")
	}
	if info2, _ := b.Tensor("gen.fc.w"); info2.Shape[0] != 16 {
		t.Error("Tensor returned the bundle's own shape")
	}
}

func TestFloat32IntoDoesNotAllocate(t *testing.T) {
	b, err := Parse(testBundle(t), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	dst := make([]float32, 640)
	i16 := make([]int16, 15)
	allocs := testing.AllocsPerRun(20, func() {
		if err := b.Float32Into("gen.fc.w", dst); err != nil {
			t.Fatal(err)
		}
		if err := b.Int16Into("voxels.ijk", i16); err != nil {
			t.Fatal(err)
		}
	})
	if allocs != 0 {
		t.Errorf("Float32Into + Int16Into allocate %g times per call", allocs)
	}
}

func TestWriterErrors(t *testing.T) {
	tests := []struct {
		name string
		do   func(w *Writer) error
		want string
	}{
		{"empty name", func(w *Writer) error { return w.AddFloat32("", []int{1}, []float32{1}, quant.F32) }, "empty name"},
		{"long name", func(w *Writer) error { return w.AddUint8(strings.Repeat("x", 300), []int{1}, []uint8{1}) }, "300 bytes exceeds 256"},
		{"bad utf8", func(w *Writer) error { return w.SetMeta("\xff", 1) }, "not valid UTF-8"},
		{"duplicate", func(w *Writer) error {
			w.AddInt32("a", []int{1}, []int32{1})
			return w.AddInt32("a", []int{1}, []int32{2})
		}, `"a": added twice`},
		{"rank", func(w *Writer) error { return w.AddUint8("a", make([]int, 9), nil) }, "rank 9 exceeds 8"},
		{"negative dim", func(w *Writer) error { return w.AddInt16("a", []int{-1}, nil) }, "negative"},
		{"length", func(w *Writer) error { return w.AddInt16("a", []int{2, 3}, make([]int16, 5)) }, "shape [2 3] has 6 elements, data has 5"},
		{"too many elements", func(w *Writer) error { return w.AddFloat32("a", []int{1 << 20, 1 << 10}, nil, quant.F32) }, "exceed the reader limit"},
		{"bad kind", func(w *Writer) error { return w.AddFloat32("a", []int{1}, []float32{1}, 0) }, "invalid encoding"},
		{"nan in q8", func(w *Writer) error {
			return w.AddFloat32("a", []int{2}, []float32{0, float32(math.NaN())}, quant.Q8)
		}, "element 1 is NaN"},
		{"meta type", func(w *Writer) error { return w.SetMeta("k", struct{}{}) }, "unsupported type struct {}"},
		{"meta json", func(w *Writer) error { return w.SetMeta("k", json.RawMessage("{")) }, "invalid JSON"},
		{"meta string", func(w *Writer) error { return w.SetMeta("k", []string{"ok", "\xfe"}) }, "not valid UTF-8"},
	}
	for _, tc := range tests {
		w := NewWriter()
		err := tc.do(w)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want it to mention %q", tc.name, err, tc.want)
			continue
		}
		// The first error sticks: Bytes reports it too.
		w.SetMeta("fine", "value")
		if _, berr := w.Bytes(); berr == nil || berr.Error() != err.Error() {
			t.Errorf("%s: Bytes error %v, want %v", tc.name, berr, err)
		}
	}
}

func TestFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "gen.fmb")
	w := NewWriter()
	addAll(t, w, testTensors())
	if err := w.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	b, err := Open(path, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Names()) != len(testTensors()) {
		t.Errorf("Open: %d tensors", len(b.Names()))
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("WriteFile left %d files in the directory", len(entries))
	}
	// A damaged file: the error names the file and the problem.
	data, _ := os.ReadFile(path)
	os.WriteFile(path, data[:len(data)-1], 0o644)
	_, err = Open(path, Limits{})
	if err == nil || !strings.Contains(err.Error(), path) || !errors.Is(err, ErrTruncated) {
		t.Errorf("Open of a truncated file: %v", err)
	}
	if _, err := Open(filepath.Join(dir, "missing.fmb"), Limits{}); err == nil || !strings.Contains(err.Error(), "missing.fmb") {
		t.Errorf("Open of a missing file: %v", err)
	}
	if _, err := ReadFrom(bytes.NewReader(data), int64(len(data)), Limits{MaxFileSize: 100}); !errors.Is(err, ErrLimit) {
		t.Errorf("ReadFrom over the limit: %v", err)
	}
	// A reader shorter than the stated size: truncated, not a checksum error.
	if _, err := ReadFrom(bytes.NewReader(data[:50]), int64(len(data)), Limits{}); !errors.Is(err, ErrTruncated) {
		t.Errorf("ReadFrom of a short reader: %v", err)
	}
}
