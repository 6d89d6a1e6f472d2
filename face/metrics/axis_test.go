package metrics

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

func TestAttributeAxisHandWorked(t *testing.T) {
	// Male rows (1,0) and (3,2): mean (2,1). Female rows (−1,0) and (−1,−2):
	// mean (−1,−1). Axis (3,2).
	lat := []float32{1, 0, -1, 0, 3, 2, -1, -2}
	male := []bool{true, false, true, false}
	axis := GenderAxis(lat, 4, 2, male)
	if axis[0] != 3 || axis[1] != 2 {
		t.Fatalf("axis %v, want [3 2]", axis)
	}
	cases := []struct {
		name   string
		lat    []float32
		labels []bool
		want   float64
	}{
		{"training rows", lat, male, 1},
		// (0.1,−1)·(3,2) = −1.7: a "male" label is classified female.
		{"one wrong", []float32{1, 0, 0.1, -1, -1, -2, 3, 2}, []bool{true, true, false, true}, 0.75},
		// Projection exactly 0 is wrong for both labels.
		{"on the boundary", []float32{2, -3, 2, -3}, []bool{true, false}, 0},
		{"none", nil, nil, math.NaN()},
	}
	for _, tc := range cases {
		if got := SignAccuracy(tc.lat, len(tc.labels), 2, axis, tc.labels); !near(got, tc.want, 1e-12) {
			t.Errorf("%s: accuracy %v, want %v", tc.name, got, tc.want)
		}
	}
}

// Latents with a planted attribute direction: the axis finds it and
// classifies held-out latents; a random labelling is at chance.
func TestAttributeAxisRecoversDirection(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 1))
	d := 32
	dir := make([]float32, d)
	for j := range dir {
		dir[j] = float32(rng.NormFloat64())
	}
	gen := func(n int) ([]float32, []bool) {
		lat := make([]float32, n*d)
		has := make([]bool, n)
		for i := range n {
			has[i] = rng.IntN(2) == 1
			s := float32(-1)
			if has[i] {
				s = 1
			}
			for j := range d {
				lat[i*d+j] = s*0.5*dir[j] + float32(rng.NormFloat64())
			}
		}
		return lat, has
	}
	train, trainHas := gen(2000)
	test, testHas := gen(500)
	axis := AttributeAxis(train, 2000, d, trainHas)
	if acc := SignAccuracy(test, 500, d, axis, testHas); acc < 0.9 {
		t.Errorf("planted direction: accuracy %v, want ≥ 0.9", acc)
	}
	random := make([]bool, 500)
	for i := range random {
		random[i] = rng.IntN(2) == 1
	}
	if acc := SignAccuracy(test, 500, d, axis, random); acc < 0.4 || acc > 0.6 {
		t.Errorf("random labels: accuracy %v, want near 0.5", acc)
	}
}

func TestAxisPanics(t *testing.T) {
	cases := []struct {
		name, want string
		f          func()
	}{
		{"one group only", "with and without", func() { AttributeAxis([]float32{1, 2}, 2, 1, []bool{true, true}) }},
		{"labels", "AttributeAxis", func() { AttributeAxis([]float32{1, 2}, 2, 1, []bool{true}) }},
		{"axis length", "axis of 3", func() { SignAccuracy([]float32{1, 2}, 1, 2, []float32{1, 2, 3}, []bool{true}) }},
	}
	for _, tc := range cases {
		func() {
			defer func() {
				r, _ := recover().(string)
				if !strings.Contains(r, tc.want) {
					t.Errorf("%s: panic %q, want one containing %q", tc.name, r, tc.want)
				}
			}()
			tc.f()
		}()
	}
}
