package bundle

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"fmriface/bundle/quant"
	"fmriface/util/pytest"
)

// interopBundle covers every dtype, ragged q4 blocks, an empty tensor, a
// scalar and every metadata type, with finite floats (strict JSON).
func interopBundle(t *testing.T) []byte {
	w := NewWriter()
	for k, v := range testMeta() {
		w.SetMeta(k, v)
	}
	w.SetMeta("mean", []float64{0.5, -1e300, 5e-324})
	w.SetMeta("big", int64(math.MaxInt64))
	addAll(t, w, testTensors())
	w.AddFloat32("f16.edges", []int{6}, []float32{65504, -0x1p-24, 0x1p-14, 1.0009765625, -0, 3.14159}, quant.F16)
	w.AddFloat32("q4.wide", []int{3, 2, 50}, randn(9, 300, 0.3), quant.Q4)
	w.AddFloat32("q4f32.vec", []int{70}, randn(10, 70, 1), quant.Q4F32)
	w.AddFloat32("q3.wide", []int{3, 2, 50}, randn(12, 300, 0.3), quant.Q3)
	w.AddFloat32("q8.rank1", []int{33}, randn(11, 33, 2), quant.Q8)
	data, err := w.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// goValues returns the tensor's decoded values as little-endian bytes, and
// the numpy dtype string they correspond to.
func goValues(t *testing.T, b *Bundle, name string) ([]byte, string) {
	info, _ := b.Tensor(name)
	var out []byte
	switch info.DType {
	case I16:
		x, _ := b.Int16(name)
		out, _ = binary.Append(nil, binary.LittleEndian, x)
		return out, "<i2"
	case U8:
		x, _ := b.Uint8(name)
		return x, "|u1"
	case I32:
		x, _ := b.Int32(name)
		out, _ = binary.Append(nil, binary.LittleEndian, x)
		return out, "<i4"
	}
	x, err := b.Float32(name)
	if err != nil {
		t.Fatal(err)
	}
	out, _ = binary.Append(nil, binary.LittleEndian, x)
	return out, "<f4"
}

// TestNumpyReaders runs both numpy readers — the complete one in
// bundle/read_bundle.py and the short one in docs/bundle-format.md —
// on a Go-written bundle and requires bit-identical values.
func TestNumpyReaders(t *testing.T) {
	py := pytest.Python(t, "numpy")
	dir := t.TempDir()
	path := filepath.Join(dir, "interop.fmb")
	data := interopBundle(t)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	b, err := Parse(data, Limits{})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("read_bundle.py", func(t *testing.T) {
		out, err := exec.Command(py, "read_bundle.py", "--json", path).Output()
		if err != nil {
			t.Fatalf("read_bundle.py: %v\n%s", err, stderrOf(err))
		}
		var got struct {
			Meta    map[string]any
			Tensors map[string]struct {
				DType string
				Shape []int
				Numpy string
				Data  string
			}
		}
		dec := json.NewDecoder(bytes.NewReader(out))
		dec.UseNumber()
		if err := dec.Decode(&got); err != nil {
			t.Fatal(err)
		}
		if len(got.Meta) != len(b.MetaKeys()) {
			t.Errorf("python sees %d metadata entries, Go %d", len(got.Meta), len(b.MetaKeys()))
		}
		for _, k := range b.MetaKeys() {
			v, _ := b.Meta(k)
			if !sameJSON(t, v, got.Meta[k]) {
				t.Errorf("meta %q: python %v, Go %v", k, got.Meta[k], v)
			}
		}
		if len(got.Tensors) != len(b.Names()) {
			t.Errorf("python sees %d tensors, Go %d", len(got.Tensors), len(b.Names()))
		}
		for _, name := range b.Names() {
			info, _ := b.Tensor(name)
			pt := got.Tensors[name]
			want, wantType := goValues(t, b, name)
			pv, _ := base64.StdEncoding.DecodeString(pt.Data)
			if pt.DType != info.DType.String() || !slices.Equal(pt.Shape, info.Shape) || pt.Numpy != wantType {
				t.Errorf("%s: python says %s %v %s, Go %v %v %s", name, pt.DType, pt.Shape, pt.Numpy, info.DType, info.Shape, wantType)
			}
			if !bytes.Equal(pv, want) {
				t.Errorf("%s: values differ between numpy and Go", name)
			}
		}
	})

	t.Run("spec snippet", func(t *testing.T) {
		doc, err := os.ReadFile("../docs/bundle-format.md")
		if err != nil {
			t.Fatal(err)
		}
		code := snippet(t, string(doc))
		driver := code + `
import base64, json, sys
t = read_bundle(sys.argv[1])
json.dump({k: [v.dtype.str, list(v.shape), base64.b64encode(v.astype(v.dtype.newbyteorder("<")).tobytes()).decode()] for k, v in t.items()}, sys.stdout)
`
		out, err := exec.Command(py, "-c", driver, path).Output()
		if err != nil {
			t.Fatalf("spec reader: %v\n%s", err, stderrOf(err))
		}
		var got map[string][3]any
		if err := json.Unmarshal(out, &got); err != nil {
			t.Fatal(err)
		}
		if len(got) != len(b.Names()) {
			t.Errorf("spec reader sees %d tensors, Go %d", len(got), len(b.Names()))
		}
		for _, name := range b.Names() {
			want, wantType := goValues(t, b, name)
			info, _ := b.Tensor(name)
			g := got[name]
			pv, _ := base64.StdEncoding.DecodeString(g[2].(string))
			shape, _ := json.Marshal(g[1])
			wantShape, _ := json.Marshal(info.Shape)
			if g[0] != wantType || string(shape) != string(wantShape) || !bytes.Equal(pv, want) {
				t.Errorf("%s: spec reader gives %v %s, values equal: %v; Go %s %s", name, g[0], shape, bytes.Equal(pv, want), wantType, wantShape)
			}
		}
	})
}

// snippet extracts the python block that follows the numpy-reader marker.
func snippet(t *testing.T, doc string) string {
	_, rest, ok := strings.Cut(doc, "<!-- numpy-reader")
	if !ok {
		t.Fatal("spec has no numpy-reader marker")
	}
	_, rest, ok = strings.Cut(rest, "```python\n")
	code, _, ok2 := strings.Cut(rest, "```")
	if !ok || !ok2 {
		t.Fatal("spec has no python block after the marker")
	}
	return code
}

// sameJSON compares a Go metadata value with what python put in JSON.
func sameJSON(t *testing.T, goVal, pyVal any) bool {
	if raw, ok := goVal.(json.RawMessage); ok {
		var v any
		d := json.NewDecoder(bytes.NewReader(raw))
		d.UseNumber()
		d.Decode(&v)
		goVal = v
	}
	g, err := json.Marshal(goVal)
	if err != nil {
		t.Fatal(err)
	}
	var gv any
	d := json.NewDecoder(bytes.NewReader(g))
	d.UseNumber()
	d.Decode(&gv)
	return reflect.DeepEqual(normNumbers(gv), normNumbers(pyVal))
}

// normNumbers turns JSON numbers into float64 or int64 by value, so that
// 41.25 from Go and 41.25 from python compare equal whatever their spelling.
func normNumbers(v any) any {
	switch x := v.(type) {
	case json.Number:
		if i, err := x.Int64(); err == nil {
			return i
		}
		f, _ := x.Float64()
		return f
	case []any:
		out := make([]any, len(x))
		for i := range x {
			out[i] = normNumbers(x[i])
		}
		return out
	case map[string]any:
		out := map[string]any{}
		for k, e := range x {
			out[k] = normNumbers(e)
		}
		return out
	}
	return v
}

func stderrOf(err error) string {
	if ee, ok := err.(*exec.ExitError); ok {
		return string(ee.Stderr)
	}
	return ""
}
