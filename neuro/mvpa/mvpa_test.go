package mvpa

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// synth returns runs × k samples of p features: a per-class pattern scaled by
// signal, a per-run offset common to all classes of the run (which CentreRuns
// removes), and unit Gaussian noise.
func synth(seed uint64, runs, k, p int, signal float64) Data {
	rng := rand.New(rand.NewPCG(seed, 1))
	class := make([][]float64, k)
	for c := range class {
		class[c] = make([]float64, p)
		for j := range class[c] {
			class[c][j] = rng.NormFloat64()
		}
	}
	d := Data{X: mat.NewDense(runs*k, p, nil), K: k}
	for r := 0; r < runs; r++ {
		off := make([]float64, p)
		for j := range off {
			off[j] = 5 * rng.NormFloat64()
		}
		for c := 0; c < k; c++ {
			i := r*k + c
			row := d.X.RawRowView(i)
			for j := range row {
				row[j] = off[j] + signal*class[c][j] + rng.NormFloat64()
			}
			d.Labels = append(d.Labels, c)
			d.Runs = append(d.Runs, r)
		}
	}
	d.X = CentreRuns(d.X, d.Runs)
	return d
}

func TestDecodingPlantedSignal(t *testing.T) {
	cases := []struct {
		name           string
		signal         float64
		minAcc, maxAcc float64 // 8-way accuracy bounds
		minPair        float64
		wantSignif     bool // p < 0.05 with 99 permutations
	}{
		{"strong signal", 0.5, 0.95, 1, 0.99, true},
		{"weak signal", 0.2, 0.3, 0.9, 0.75, true},
		{"no signal", 0, 0, 0.3, 0, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := synth(7, 12, 8, 150, c.signal)
			_, p := d.X.Dims()
			// LDA runs on Gram coordinates, as neuro/haxby does (exact, faster).
			Z, err := GramCoordinates(d.X)
			if err != nil {
				t.Fatal(err)
			}
			dz := Data{X: Z, Labels: d.Labels, Runs: d.Runs, K: d.K}
			cls := []Classifier{Correlation{}, ShrinkageLDA{Dim: p}}
			data := []Data{d, dz}
			nulls := make([]Null, len(cls))
			for ci, cl := range cls {
				nu, err := PermutationTest(data[ci], []Classifier{cl}, 99, 3, 2, nil)
				if err != nil {
					t.Fatal(err)
				}
				nulls[ci] = nu[0]
			}
			for ci, cl := range cls {
				r, err := CrossValidate(data[ci], cl)
				if err != nil {
					t.Fatal(err)
				}
				acc := Accuracy(r.Pred, d.Labels)
				_, pair := Pairwise(r.Scores, d.Labels, d.K)
				pv := PValue(nulls[ci].Accuracy, acc)
				t.Logf("%s: accuracy %.3f, pairwise %.3f, p %.3f", cl.Name(), acc, pair, pv)
				if acc < c.minAcc || acc > c.maxAcc {
					t.Errorf("%s: accuracy %.3f outside [%.2f, %.2f]", cl.Name(), acc, c.minAcc, c.maxAcc)
				}
				if pair < c.minPair {
					t.Errorf("%s: pairwise %.3f below %.2f", cl.Name(), pair, c.minPair)
				}
				if (pv < 0.05) != c.wantSignif {
					t.Errorf("%s: p = %.3f, want significant %v", cl.Name(), pv, c.wantSignif)
				}
				// Under shuffled labels the decoders sit at chance: 1/8 for
				// 8-way, 1/2 for pairwise, on average over permutations.
				if m := mean(nulls[ci].Accuracy); math.Abs(m-0.125) > 0.03 {
					t.Errorf("%s: mean null accuracy %.3f, want about 0.125", cl.Name(), m)
				}
				if m := mean(nulls[ci].Pairwise); math.Abs(m-0.5) > 0.03 {
					t.Errorf("%s: mean null pairwise %.3f, want about 0.5", cl.Name(), m)
				}
			}
		})
	}
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}

func TestShuffleWithinRuns(t *testing.T) {
	labels := []int{0, 1, 2, 3, 0, 1, 2, 3, 0, 1, 2, 3}
	runs := []int{5, 5, 5, 5, 9, 9, 9, 9, 2, 2, 2, 2}
	a := ShuffleWithinRuns(labels, runs, rand.New(rand.NewPCG(1, 2)))
	b := ShuffleWithinRuns(labels, runs, rand.New(rand.NewPCG(1, 2)))
	if !slices.Equal(a, b) {
		t.Fatal("same seed, different permutation")
	}
	if slices.Equal(a, labels) {
		t.Fatal("permutation left all labels in place")
	}
	for r := 0; r < 3; r++ {
		got := slices.Clone(a[4*r : 4*r+4])
		slices.Sort(got)
		if !slices.Equal(got, []int{0, 1, 2, 3}) {
			t.Fatalf("run %d lost its labels: %v", r, a[4*r:4*r+4])
		}
	}
}

func TestPermutationTestDeterministic(t *testing.T) {
	d := synth(3, 4, 3, 20, 0.3)
	one, err := PermutationTest(d, []Classifier{Correlation{}}, 20, 11, 1, nil)
	if err != nil {
		t.Fatal(err)
	}
	many, err := PermutationTest(d, []Classifier{Correlation{}}, 20, 11, 4, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(one[0].Accuracy, many[0].Accuracy) || !slices.Equal(one[0].Pairwise, many[0].Pairwise) {
		t.Fatal("result depends on the number of workers")
	}
	other, _ := PermutationTest(d, []Classifier{Correlation{}}, 20, 12, 1, nil)
	if slices.Equal(one[0].Accuracy, other[0].Accuracy) && slices.Equal(one[0].Pairwise, other[0].Pairwise) {
		t.Fatal("different seeds gave the same null")
	}
}

func TestPValue(t *testing.T) {
	cases := []struct {
		null []float64
		obs  float64
		want float64
	}{
		{[]float64{0.1, 0.2, 0.3}, 0.5, 0.25},
		{[]float64{0.1, 0.5, 0.6}, 0.5, 0.75},
		{nil, 0.5, 1},
	}
	for _, c := range cases {
		if got := PValue(c.null, c.obs); math.Abs(got-c.want) > 1e-12 {
			t.Errorf("PValue(%v, %v) = %v, want %v", c.null, c.obs, got, c.want)
		}
	}
}

func TestPairwiseAndConfusion(t *testing.T) {
	// Three samples of classes 0, 1, 2 and one more of class 0.
	scores := mat.NewDense(4, 3, []float64{
		0.9, 0.1, 0.1, // class 0: beats 1 and 2
		0.5, 0.2, 0.2, // class 1: loses to 0, ties 2
		0.1, 0.3, 0.2, // class 2: beats 0, loses to 1 (predicted 1)
		0.1, 0.4, 0.0, // class 0: loses to 1, beats 2
	})
	labels := []int{0, 1, 2, 0}
	acc, overall := Pairwise(scores, labels, 3)
	want := [][]float64{{math.NaN(), 0.5, 1}, {0, math.NaN(), 0.5}, {1, 0, math.NaN()}}
	for i := range want {
		for j := range want[i] {
			if i != j && math.Abs(acc[i][j]-want[i][j]) > 1e-12 {
				t.Errorf("acc[%d][%d] = %v, want %v", i, j, acc[i][j], want[i][j])
			}
		}
	}
	if math.Abs(overall-3.0/6) > 1e-12 {
		t.Errorf("overall %v, want 0.5", overall)
	}
	if got := PairAccuracy(acc, 0, 2); got != 1 {
		t.Errorf("pair 0-2: %v, want 1", got)
	}
	pred := []int{0, 0, 1, 1}
	conf := Confusion(pred, labels, 3)
	if conf[0][0] != 1 || conf[0][1] != 1 || conf[1][0] != 1 || conf[2][1] != 1 {
		t.Errorf("confusion %v", conf)
	}
	if Accuracy(pred, labels) != 0.25 {
		t.Errorf("accuracy %v", Accuracy(pred, labels))
	}
}

func TestCentreRuns(t *testing.T) {
	X := mat.NewDense(4, 2, []float64{1, 2, 3, 4, 10, 0, 20, 0})
	c := CentreRuns(X, []int{0, 0, 1, 1})
	want := []float64{-1, -1, 1, 1, -5, 0, 5, 0}
	if !slices.Equal(c.RawMatrix().Data, want) {
		t.Fatalf("got %v, want %v", c.RawMatrix().Data, want)
	}
	if X.At(0, 0) != 1 {
		t.Fatal("CentreRuns changed its input")
	}
}

func TestCorrelationHaxbyMeanSubtraction(t *testing.T) {
	// Two classes with a large shared pattern: after the mean over classes is
	// subtracted, each class pattern is ±(a−b)/2, so a test pattern equal to
	// class 0's specific part correlates +1 with class 0 and −1 with class 1.
	train := mat.NewDense(2, 4, []float64{
		10, 10, 11, 10, // class 0 = shared + e3
		10, 10, 10, 11, // class 1 = shared + e4
	})
	test := mat.NewDense(1, 4, []float64{0, 0, 1, -1})
	s, err := Correlation{}.Scores(train, []int{0, 1}, 2, test)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(s.At(0, 0)-1) > 1e-12 || math.Abs(s.At(0, 1)+1) > 1e-12 {
		t.Fatalf("scores %v, want [1 -1]", mat.Formatted(s))
	}
	if _, err := (Correlation{}).Scores(train, []int{0, 0}, 2, test); err == nil {
		t.Fatal("a class without training samples was accepted")
	}
}

// The LDA scores computed on Gram coordinates (Dim = p) equal those on the
// voxels, and the Ledoit–Wolf intensity matches its textbook definition.
func TestLDAGramCoordinatesExact(t *testing.T) {
	d := synth(5, 6, 4, 90, 0.3)
	n, p := d.X.Dims()
	Z, err := GramCoordinates(d.X)
	if err != nil {
		t.Fatal(err)
	}
	if _, r := Z.Dims(); r != min(n, p) {
		t.Fatalf("Z has %d columns", r)
	}
	full, err := CrossValidate(d, ShrinkageLDA{})
	if err != nil {
		t.Fatal(err)
	}
	red, err := CrossValidate(Data{X: Z, Labels: d.Labels, Runs: d.Runs, K: d.K}, ShrinkageLDA{Dim: p})
	if err != nil {
		t.Fatal(err)
	}
	var diff mat.Dense
	diff.Sub(full.Scores, red.Scores)
	if m := mat.Norm(&diff, math.Inf(1)); m > 1e-8*mat.Norm(full.Scores, math.Inf(1)) {
		t.Fatalf("scores differ by %g", m)
	}
	if !slices.Equal(full.Pred, red.Pred) {
		t.Fatal("predictions differ")
	}
}

func TestLedoitWolfDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(4, 4))
	n, p := 12, 7
	R := mat.NewDense(n, p, nil)
	for i := 0; i < n; i++ {
		for j := 0; j < p; j++ {
			R.Set(i, j, rng.NormFloat64()*float64(j+1))
		}
	}
	alpha, nu, S := ledoitWolf(R, p)
	// Direct: S = RᵀR/n, m = tr S/p, d² = ‖S−mI‖²/p,
	// b̄² = Σ‖r rᵀ − S‖²/(n² p), α = min(b̄², d²)/d².
	var Sd mat.Dense
	Sd.Mul(R.T(), R)
	Sd.Scale(1/float64(n), &Sd)
	m := mat.Trace(&Sd) / float64(p)
	var dm mat.Dense
	dm.Sub(&Sd, scaledEye(p, m))
	d2 := sq(mat.Norm(&dm, 2)) / float64(p)
	b2 := 0.0
	for i := 0; i < n; i++ {
		var o mat.Dense
		o.Outer(1, R.RowView(i), R.RowView(i))
		o.Sub(&o, &Sd)
		b2 += sq(mat.Norm(&o, 2))
	}
	b2 /= float64(n*n) * float64(p)
	want := math.Min(b2, d2) / d2
	if math.Abs(alpha-want) > 1e-12 || math.Abs(nu-m) > 1e-12 {
		t.Fatalf("alpha %v nu %v, want %v %v", alpha, nu, want, m)
	}
	if !(alpha > 0 && alpha < 1) {
		t.Fatalf("alpha %v not in (0, 1)", alpha)
	}
	if math.Abs(S.At(2, 3)-Sd.At(2, 3)) > 1e-12 {
		t.Fatal("S differs")
	}
}

func scaledEye(p int, v float64) *mat.Dense {
	e := mat.NewDense(p, p, nil)
	for i := 0; i < p; i++ {
		e.Set(i, i, v)
	}
	return e
}

func sq(x float64) float64 { return x * x }

func TestValidate(t *testing.T) {
	good := synth(1, 2, 2, 3, 1)
	cases := []struct {
		name string
		mod  func(d *Data)
	}{
		{"label out of range", func(d *Data) { d.Labels[0] = 5 }},
		{"one run", func(d *Data) { d.Runs = []int{0, 0, 0, 0} }},
		{"NaN", func(d *Data) { d.X.Set(1, 1, math.NaN()) }},
		{"short labels", func(d *Data) { d.Labels = d.Labels[:1] }},
		{"one class", func(d *Data) { d.K = 1 }},
	}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		d := Data{X: mat.DenseCopyOf(good.X), Labels: slices.Clone(good.Labels), Runs: slices.Clone(good.Runs), K: good.K}
		c.mod(&d)
		if err := d.Validate(); err == nil {
			t.Errorf("%s: accepted", c.name)
		}
	}
}
