package score

import (
	"math"
	"reflect"
	"testing"
)

// rankedCorr builds an n×n correlation matrix in which item i beats exactly
// wins[i] of its distractors.
func rankedCorr(wins []int) [][]float64 {
	n := len(wins)
	r := make([][]float64, n)
	for i := range r {
		r[i] = make([]float64, n)
		beaten := 0
		for j := range r[i] {
			switch {
			case j == i:
				r[i][j] = 0
			case beaten < wins[i]:
				r[i][j] = -0.5
				beaten++
			default:
				r[i][j] = 0.5
			}
		}
	}
	return r
}

func TestPairwiseKnownRanking(t *testing.T) {
	// 3 faces worked by hand: face 0 beats both distractors, face 1 one
	// (a tie counts as a loss), face 2 none: 3 of 6 pairs.
	r := [][]float64{
		{0.9, 0.1, 0.2},
		{0.3, 0.5, 0.5},
		{0.8, 0.7, 0.1},
	}
	p, err := PairwiseFromCorr(r)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(p.Wins, []int{2, 1, 0}) || p.Correct != 3 || p.Pairs != 6 || p.Accuracy != 0.5 {
		t.Errorf("got %+v", p)
	}
	rec, _ := RecognitionFromCorr(r)
	if rec.Correct != 1 || math.Abs(rec.P-(1-math.Pow(2.0/3, 3))) > 1e-12 {
		t.Errorf("recognition %+v", rec)
	}

	// 20 faces, each true face ranked so that it beats 12 of 19: 240/380.
	wins := make([]int, 20)
	for i := range wins {
		wins[i] = 12
	}
	p, _ = PairwiseFromCorr(rankedCorr(wins))
	if p.Correct != 240 || math.Abs(p.Accuracy-240.0/380) > 1e-15 {
		t.Errorf("got %+v", p)
	}
	exact, err := RankSumPValueExact(240, 20, 20)
	if err != nil {
		t.Fatal(err)
	}
	const draws = 200000
	mc, err := PairwisePValue(p, draws, 7)
	if err != nil {
		t.Fatal(err)
	}
	if se := math.Sqrt(exact * (1 - exact) / draws); math.Abs(mc-exact) > 4*se {
		t.Errorf("Monte Carlo p %v, exact %v (se %v)", mc, exact, se)
	}
	if again, _ := PairwisePValue(p, draws, 7); again != mc {
		t.Error("same seed gave a different p")
	}
	// The paper: accuracy ≈ 0.61 is the p < 0.05 threshold for 20 faces.
	p232, _ := RankSumPValueExact(232, 20, 20)
	p233, _ := RankSumPValueExact(233, 20, 20)
	if !(p232 > 0.05 && p233 < 0.05) {
		t.Errorf("p(232/380) = %v, p(233/380) = %v: threshold not at 0.61", p232, p233)
	}
	// Perfect and chance.
	if _, err := RankSumPValueExact(6e5, 3, 4e5); err == nil {
		t.Error("huge exact null accepted")
	}
	if p0, _ := RankSumPValueExact(0, 20, 20); p0 != 1 {
		t.Errorf("p(0) = %v", p0)
	}
	if pmax, _ := RankSumPValueExact(380, 20, 20); math.Abs(pmax/math.Pow(20, -20)-1) > 1e-9 {
		t.Errorf("p(380) = %v, want 20^-20", pmax)
	}
}

// TestImageryPaperPValues: the paper's group imagery p-values (4 subjects,
// true face ranked among 20) follow from the counts in results.csv.
func TestImageryPaperPValues(t *testing.T) {
	cases := []struct {
		roi      string
		counts   [4]int
		paperP   float64
		tolerant float64
	}{
		{"temporal", [4]int{19, 17, 13, 15}, 0.012, 0.003},
		{"all", [4]int{18, 3, 6, 10}, 0.53, 0.03},
		{"occipital", [4]int{17, 9, 4, 14}, 0.30, 0.03},
		{"frontoparietal", [4]int{16, 7, 12, 5}, 0.43, 0.03},
	}
	for _, c := range cases {
		sum := c.counts[0] + c.counts[1] + c.counts[2] + c.counts[3]
		p, err := RankSumPValueExact(sum, 4, 20)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(p-c.paperP) > c.tolerant {
			t.Errorf("%s: p %v, paper %v", c.roi, p, c.paperP)
		}
	}
}

func TestRankSumErrors(t *testing.T) {
	for _, c := range [][3]int{{-1, 20, 20}, {381, 20, 20}, {0, 0, 20}, {0, 20, 1}} {
		if _, err := RankSumPValue(c[0], c[1], c[2], 10, 1); err == nil {
			t.Errorf("%v accepted", c)
		}
		if _, err := RankSumPValueExact(c[0], c[1], c[2]); err == nil {
			t.Errorf("%v accepted (exact)", c)
		}
	}
}

func TestBinomialTail(t *testing.T) {
	cases := []struct {
		k, n int
		p    float64
		want float64
	}{
		{0, 20, 0.05, 1},
		{1, 20, 0.05, 1 - math.Pow(0.95, 20)},
		{20, 20, 0.05, math.Pow(0.05, 20)},
		{21, 20, 0.05, 0},
		{2, 3, 0.5, 0.5},
	}
	for _, c := range cases {
		if got := BinomialTail(c.k, c.n, c.p); math.Abs(got-c.want) > 1e-12*math.Max(c.want, 1e-20) && math.Abs(got-c.want) > 1e-15 {
			t.Errorf("P(X≥%d; %d, %v) = %v, want %v", c.k, c.n, c.p, got, c.want)
		}
	}
	// The paper's worst 1-of-20 (8/20 = 40 %) is far beyond chance.
	if p := BinomialTail(8, 20, 0.05); p > 1e-4 {
		t.Errorf("8/20 p = %v", p)
	}
}

func TestOneOfNAndPairwiseOnLatents(t *testing.T) {
	truth := [][]float64{{1, 0, 0, 0}, {0, 1, 0, 0}, {0, 0, 1, 0}, {0, 0, 0, 1}}
	decoded := [][]float64{{0.9, 0.1, 0, 0}, {0, 0.8, 0.3, 0}, {0, 1, 0.2, 0}, {0, 0, 0, 1}}
	pw, err := PairwiseAccuracy(decoded, truth)
	if err != nil {
		t.Fatal(err)
	}
	// Face 2's decoded latent is closest to face 1 but beats faces 0 and 3.
	if !reflect.DeepEqual(pw.Wins, []int{3, 3, 2, 3}) {
		t.Errorf("wins %v", pw.Wins)
	}
	rec, err := OneOfN(decoded, truth)
	if err != nil || rec.Correct != 3 || rec.Accuracy != 0.75 {
		t.Errorf("recognition %+v %v", rec, err)
	}
	if _, err := PairwiseAccuracy(decoded[:3], truth); err == nil {
		t.Error("count mismatch accepted")
	}
	if _, err := PairwiseAccuracy([][]float64{{1, 2}, {1, math.NaN()}}, [][]float64{{1, 2}, {2, 1}}); err == nil {
		t.Error("NaN accepted")
	}
}

func TestGenderAxis(t *testing.T) {
	male := [][]float64{{2, 1}, {4, 1}}
	female := [][]float64{{0, 1}, {-2, 3}}
	axis, err := MeanDifferenceAxis(male, female)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(axis, []float64{4, -1}) {
		t.Fatalf("axis %v, want [4 -1]", axis)
	}
	// Projections through the origin: 4·1−1·1 = 3 > 0 (male), 4·0−1·1 < 0,
	// 4·1−1·5 < 0 (a male classified female).
	lat := [][]float64{{1, 1}, {0, 1}, {1, 5}}
	acc, err := AxisAccuracy(lat, axis, []bool{true, false, true})
	if err != nil || math.Abs(acc-2.0/3) > 1e-15 {
		t.Errorf("accuracy %v %v", acc, err)
	}
	if _, err := AxisAccuracy(lat, axis, []bool{true}); err == nil {
		t.Error("label mismatch accepted")
	}
	if _, err := MeanDifferenceAxis(nil, female); err == nil {
		t.Error("empty side accepted")
	}
}

func TestImageryRank(t *testing.T) {
	dec := []float64{1, 2, 3, 4}
	imagined := []float64{1, 2, 3, 5}                                    // r ≈ 0.98
	distractors := [][]float64{{4, 3, 2, 1}, {1, 2, 4, 3}, {1, 2, 3, 4}} // −1, 0.8, 1
	im, err := ImageryRank(dec, imagined, distractors)
	if err != nil {
		t.Fatal(err)
	}
	if im.Wins != 2 || im.Distractors != 3 || math.Abs(im.Accuracy-2.0/3) > 1e-15 || math.Abs(im.P-0.5) > 1e-15 {
		t.Errorf("got %+v, want 2 of 3 wins, p = P(rank ≥ 2 of 0…3) = 1/2", im)
	}
}

func BenchmarkPairwisePValue1e6(b *testing.B) {
	p := Pairwise{Wins: make([]int, 20), Correct: 250}
	for i := 0; i < b.N; i++ {
		if _, err := PairwisePValue(p, DefaultDraws, uint64(i)); err != nil {
			b.Fatal(err)
		}
	}
}

// TestMonteCarloMatchesExact over several null shapes, including word
// recycling at large and tiny candidate counts.
func TestMonteCarloMatchesExact(t *testing.T) {
	cases := []struct{ obs, m, c int }{
		{64, 4, 20}, {37, 4, 20}, {1, 2, 2}, {30, 10, 5}, {250, 20, 20}, {1600, 3, 1000}, {10, 1, 12},
	}
	const draws = 100000
	for _, tc := range cases {
		exact, err := RankSumPValueExact(tc.obs, tc.m, tc.c)
		if err != nil {
			t.Fatal(err)
		}
		mc, err := RankSumPValue(tc.obs, tc.m, tc.c, draws, 99)
		if err != nil {
			t.Fatal(err)
		}
		se := math.Sqrt(exact*(1-exact)/draws) + 1e-6
		if math.Abs(mc-exact) > 4*se {
			t.Errorf("%+v: Monte Carlo %v, exact %v", tc, mc, exact)
		}
	}
}
