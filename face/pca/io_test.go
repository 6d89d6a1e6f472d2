package pca

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"fmriface/util/ckpt"
)

func fitSmall(t testing.TB) *Model {
	t.Helper()
	x := synth(40, 12, 0.8, 1)
	m, err := Fit(x, 40, 12, 5, 77, Options{PowerIters: 3, Oversample: 4})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestSaveLoadRoundTrip(t *testing.T) {
	m := fitSmall(t)
	path := filepath.Join(t.TempDir(), "pca.npz")
	if err := m.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Mean, m.Mean) || !reflect.DeepEqual(got.Components, m.Components) {
		t.Error("mean or components changed")
	}
	if got.K != m.K || got.D != m.D || got.Config != m.Config || got.TotalVar != m.TotalVar {
		t.Errorf("header: got K=%d D=%d %+v %g, want K=%d D=%d %+v %g", got.K, got.D, got.Config, got.TotalVar, m.K, m.D, m.Config, m.TotalVar)
	}
	for i, v := range m.Explained {
		if float32(v) != float32(got.Explained[i]) {
			t.Errorf("explained[%d] = %g, want %g (float32)", i, got.Explained[i], v)
		}
	}
	want := Config{N: 40, K: 5, Seed: 77, Oversample: 4, PowerIters: 3}
	if got.Config != want {
		t.Errorf("config %+v, want %+v", got.Config, want)
	}
	// The meta is plain JSON that numpy users read with json.loads.
	f, err := ckpt.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	var meta map[string]any
	if err := json.Unmarshal(f.Meta, &meta); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"format", "version", "n", "k", "d", "seed", "oversample", "power_iters", "total_variance"} {
		if _, ok := meta[key]; !ok {
			t.Errorf("meta lacks %q: %s", key, f.Meta)
		}
	}
	// The loaded model encodes like the original.
	img := synth(1, 12, 0.8, 9)
	a, b := make([]float32, 5), make([]float32, 5)
	m.Encode(img, a)
	got.Encode(img, b)
	if !reflect.DeepEqual(a, b) {
		t.Errorf("encode differs after load: %v vs %v", a, b)
	}
}

func TestSaveRejectsInconsistentModel(t *testing.T) {
	m := fitSmall(t)
	m.Explained = m.Explained[:2]
	err := m.Save(filepath.Join(t.TempDir(), "bad.npz"))
	if err == nil || !strings.Contains(err.Error(), "explained") {
		t.Errorf("error %v", err)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	m := fitSmall(t)
	good := filepath.Join(dir, "good.npz")
	if err := m.Save(good); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(good)
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	saveWith := func(name string, meta any, tensors []ckpt.Tensor) string {
		p := filepath.Join(dir, name)
		if err := ckpt.Save(p, meta, tensors, ckpt.Float32); err != nil {
			t.Fatal(err)
		}
		return p
	}
	okMeta := meta{Format: Format, Version: Version, D: m.D, Config: m.Config}
	tensors := func(k, d int) []ckpt.Tensor {
		return []ckpt.Tensor{
			{Name: "mean", Shape: []int{d}, Data: make([]float32, d)},
			{Name: "components", Shape: []int{k, d}, Data: make([]float32, k*d)},
			{Name: "explained_variance", Shape: []int{k}, Data: make([]float32, k)},
		}
	}
	nanT := tensors(m.K, m.D)
	nanT[1].Data[3] = float32(math.NaN())
	otherMeta := okMeta
	otherMeta.Format = "fmriface-vaegan"
	newer := okMeta
	newer.Version = 2
	cases := []struct {
		name, path, want string
	}{
		{"missing", filepath.Join(dir, "nope.npz"), "no such file"},
		{"not a zip", write("text.npz", []byte("hello")), "not an .npz"},
		{"truncated", write("trunc.npz", raw[:len(raw)/2]), "not an .npz"},
		{"other format", saveWith("other.npz", otherMeta, tensors(m.K, m.D)), "not a PCA model"},
		{"newer version", saveWith("v2.npz", newer, tensors(m.K, m.D)), "version 2"},
		{"wrong shape", saveWith("shape.npz", okMeta, tensors(m.K, m.D+1)), "has shape"},
		{"missing array", saveWith("missing.npz", okMeta, tensors(m.K, m.D)[:2]), "explained_variance"},
		{"NaN", saveWith("nan.npz", okMeta, nanT), "NaN"},
		{"huge claimed shape", write("huge.npz", npzWithHeader(t, "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000,), }")), "needs 4000000000 bytes"},
		{"negative shape", write("neg.npz", npzWithHeader(t, "{'descr': '<f4', 'fortran_order': False, 'shape': (-5,), }")), "bad dimension"},
		{"broken header", write("hdr.npz", npzWithHeader(t, "{'descr': '<f4'}")), "malformed"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Load(tc.path)
			if err == nil {
				t.Fatal("no error")
			}
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), filepath.Base(tc.path)) {
				t.Errorf("error %q: want it to name the file and contain %q", err, tc.want)
			}
		})
	}
}

// npzWithHeader returns a zip holding one .npy entry with the given header
// dictionary and 8 bytes of data.
func npzWithHeader(t testing.TB, dict string) []byte {
	t.Helper()
	var b bytes.Buffer
	zw := zip.NewWriter(&b)
	w, err := zw.CreateHeader(&zip.FileHeader{Name: "mean.npy", Method: zip.Store})
	if err != nil {
		t.Fatal(err)
	}
	hdr := dict + "\n"
	w.Write([]byte("\x93NUMPY\x01\x00"))
	w.Write([]byte{byte(len(hdr)), byte(len(hdr) >> 8)})
	w.Write([]byte(hdr))
	w.Write(make([]byte, 8))
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
