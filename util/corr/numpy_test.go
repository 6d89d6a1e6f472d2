package corr

import (
	"bytes"
	"encoding/json"
	"fmriface/util/pytest"
	"math"
	"math/rand/v2"
	"os/exec"
	"testing"
)

// numpyCorr is numpy.corrcoef of the rows of a against the rows of b
// (float64 throughout; JSON keeps every float64 exactly).
const numpyCorr = `
import json, sys
import numpy as np
cases = json.load(sys.stdin)
out = []
for c in cases:
    a, b = np.array(c["a"], dtype=np.float64), np.array(c["b"], dtype=np.float64)
    out.append(np.corrcoef(a, b)[:len(a), len(a):].tolist())
json.dump(out, sys.stdout)
`

func TestMatchesNumpyCorrcoef(t *testing.T) {
	py := pytest.Python(t, "numpy")
	rng := rand.New(rand.NewPCG(11, 12))
	type tcase struct {
		A [][]float64 `json:"a"`
		B [][]float64 `json:"b"`
	}
	var cases []tcase
	for _, s := range []struct{ na, nb, d int }{{1, 1, 2}, {3, 4, 5}, {20, 20, 1024}, {2, 7, 3}} {
		a, b := randRows(rng, s.na, s.d), randRows(rng, s.nb, s.d)
		for i := range min(s.na, s.nb) { // related rows
			for j := range b[i] {
				b[i][j] = 0.7*a[i][j] + 0.3*b[i][j]
			}
		}
		cases = append(cases, tcase{a, b})
	}
	// float32 latents, as the browser app and the face metrics have them.
	a32, b32 := randRows(rng, 4, 16), randRows(rng, 4, 16)
	for _, rows := range [][][]float64{a32, b32} {
		for _, r := range rows {
			for j := range r {
				r[j] = float64(float32(r[j]))
			}
		}
	}
	cases = append(cases, tcase{a32, b32})
	in, err := json.Marshal(cases)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(py, "-c", numpyCorr)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("numpy: %v", err)
	}
	var want [][][]float64
	if err := json.Unmarshal(out, &want); err != nil {
		t.Fatalf("numpy output: %v", err)
	}
	for k, c := range cases {
		got := Matrix(c.A, c.B)
		for i := range got {
			for j := range got[i] {
				if math.Abs(got[i][j]-want[k][i][j]) > 1e-12 {
					t.Errorf("case %d [%d][%d]: %v, numpy %v", k, i, j, got[i][j], want[k][i][j])
				}
			}
		}
		if k == len(cases)-1 { // the float32 case through the float32 path
			for i := range c.A {
				for j := range c.B {
					if g := Pearson(to32(c.A[i]), to32(c.B[j])); math.Abs(g-want[k][i][j]) > 1e-12 {
						t.Errorf("float32 [%d][%d]: %v, numpy %v", i, j, g, want[k][i][j])
					}
				}
			}
		}
	}
}
