package ckpt

import (
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	ts := []Tensor{
		{Name: "a.w", Shape: []int{2, 3, 1, 2}, Data: []float32{1, -2, 3.5, 0, 1e-3, 7, 8, 9, 10, 11, 12, -13}},
		{Name: "b", Shape: []int{3}, Data: []float32{0.1, 0.2, 0.3}},
	}
	type meta struct {
		Step int    `json:"step"`
		Name string `json:"name"`
	}
	for _, dt := range []Dtype{Float32, Float16} {
		p := filepath.Join(t.TempDir(), "c.npz")
		if err := Save(p, meta{Step: 7, Name: "x"}, ts, dt); err != nil {
			t.Fatal(err)
		}
		f, err := Load(p)
		if err != nil {
			t.Fatal(err)
		}
		var m meta
		if err := f.DecodeMeta(&m); err != nil || m.Step != 7 || m.Name != "x" {
			t.Fatalf("meta %+v %v", m, err)
		}
		for _, want := range ts {
			got := f.Tensors[want.Name]
			if len(got.Shape) != len(want.Shape) {
				t.Fatalf("%s shape %v want %v", want.Name, got.Shape, want.Shape)
			}
			tol := 0.0
			if dt == Float16 {
				tol = 1e-2
			}
			for i := range want.Data {
				if d := math.Abs(float64(got.Data[i] - want.Data[i])); d > tol*math.Max(1, math.Abs(float64(want.Data[i]))) {
					t.Fatalf("%s[%d] = %v want %v", want.Name, i, got.Data[i], want.Data[i])
				}
			}
		}
	}
}

func TestBadShape(t *testing.T) {
	err := Save(filepath.Join(t.TempDir(), "x.npz"), nil, []Tensor{{Name: "a", Shape: []int{2, 2}, Data: []float32{1}}}, Float32)
	if err == nil {
		t.Fatal("shape mismatch accepted")
	}
}

func TestNotACheckpoint(t *testing.T) {
	p := filepath.Join(t.TempDir(), "x.npz")
	os.WriteFile(p, []byte("not a zip"), 0o644)
	if _, err := Load(p); err == nil {
		t.Fatal("garbage accepted")
	}
}

// TestNumpyReads checks the promise in the package doc with numpy itself.
func TestNumpyReads(t *testing.T) {
	if exec.Command("python3", "-c", "import numpy").Run() != nil {
		t.Skip("python3 with numpy not installed")
	}
	p := filepath.Join(t.TempDir(), "c.npz")
	ts := []Tensor{{Name: "gen.fc.w", Shape: []int{2, 3}, Data: []float32{1, 2, 3, 4, 5, 6}}}
	if err := Save(p, map[string]int{"step": 3}, ts, Float32); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command("python3", "-c", `
import json, sys, numpy as np
z = np.load(sys.argv[1])
w = z["gen.fc.w"]
m = json.loads(z["__meta__"].tobytes())
print(w.shape, w.dtype, float(w[1, 2]), m["step"])`, p).CombinedOutput()
	if err != nil {
		t.Fatalf("numpy: %v\n%s", err, out)
	}
	if got, want := string(out), "(2, 3) float32 6.0 3\n"; got != want {
		t.Fatalf("numpy printed %q, want %q", got, want)
	}
}
