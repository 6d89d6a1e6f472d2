package featnet

import (
	"math"
	"testing"

	"fmriface/face/celeba"
)

func TestAUC(t *testing.T) {
	cases := []struct {
		name   string
		scores []float64
		pos    []bool
		want   float64
	}{
		{"perfect", []float64{0.1, 0.2, 0.8, 0.9}, []bool{false, false, true, true}, 1},
		{"reversed", []float64{0.9, 0.8, 0.2, 0.1}, []bool{false, false, true, true}, 0},
		{"all tied", []float64{1, 1, 1, 1}, []bool{false, true, false, true}, 0.5},
		{"one swap", []float64{1, 2, 3, 4}, []bool{false, true, false, true}, 0.75},
		{"no negatives", []float64{1, 2}, []bool{true, true}, math.NaN()},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := AUC(c.scores, c.pos)
			if !(got == c.want || math.IsNaN(got) && math.IsNaN(c.want)) {
				t.Fatalf("AUC = %v, want %v", got, c.want)
			}
		})
	}
}

func TestScoreBinary(t *testing.T) {
	// 3 positives (2 found), 1 negative (found): accuracy 3/4, balanced (2/3 + 1)/2
	b := ScoreBinary([]float64{1, 2, -1, -3}, []bool{true, true, true, false}, 0.2)
	if b.Accuracy != 0.75 || math.Abs(b.BalancedAccuracy-5.0/6) > 1e-12 || b.Prevalence != 0.75 || b.Majority != 0.25 {
		t.Fatalf("%+v", b)
	}
}

func TestTopK(t *testing.T) {
	logits := []float32{0, 1, 2, 2, 1, 0, 5, 0, 0}
	cases := []struct {
		k    int
		want float64
	}{{1, 1.0 / 3}, {2, 2.0 / 3}, {3, 1}}
	for _, c := range cases {
		if got := TopK(logits, []int{0, 1, 0}, 3, c.k); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("top-%d = %v, want %v", c.k, got, c.want)
		}
	}
}

func TestVerificationAUC(t *testing.T) {
	// two persons, each with two nearly identical vectors
	x := []float32{1, 0, 0.9, 0.1, 0, 1, 0.1, 0.9}
	if got := VerificationAUC(x, 2, []int{7, 7, 8, 8}); got != 1 {
		t.Fatalf("AUC = %v, want 1", got)
	}
}

func TestMakePlan(t *testing.T) {
	var faces []celeba.Face
	for i, p := range []int{5, 5, 5, 6, 6, 7, 5, 6} {
		faces = append(faces, celeba.Face{ID: i + 1, Person: p, Attr: []int8{1, -1}})
	}
	train := []int{0, 1, 2, 3, 4, 5, 6, 7}
	cases := []struct {
		name    string
		min     int
		persons []int
		holdout []int
	}{
		{"at least 3", 3, []int{5, 6}, []int{6, 7}},
		{"at least 4", 4, []int{5}, []int{6}},
		{"attributes only", 0, nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := MakePlan(faces, train, c.min)
			if !equalInts(p.Persons, c.persons) || !equalInts(p.Holdout, c.holdout) || len(p.Train)+len(p.Holdout) != len(train) {
				t.Fatalf("persons %v holdout %v train %v", p.Persons, p.Holdout, p.Train)
			}
			attr, id := p.Labels(faces, p.Train)
			if len(attr) != 2*len(p.Train) || attr[0] != 1 || attr[1] != 0 || len(id) != len(p.Train) {
				t.Fatalf("labels %v %v", attr, id)
			}
		})
	}
}

func equalInts(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
