package score

import (
	"fmt"
	"math"
	"math/bits"
	"math/rand/v2"

	"fmriface/util/corr"
)

// DefaultDraws is the paper's number of Monte-Carlo draws.
const DefaultDraws = 1_000_000

func checkSet(name string, s [][]float64, dim int) error {
	for i, v := range s {
		if len(v) != dim {
			return fmt.Errorf("score: %s %d has %d dimensions, want %d", name, i, len(v), dim)
		}
		for j, x := range v {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("score: %s %d dimension %d is %v", name, i, j, x)
			}
		}
	}
	return nil
}

// CorrMatrix returns r[i][j] = corr.Pearson(decoded[i], truth[j]), after
// checking that every latent has the true latents' dimension and finite
// values.
func CorrMatrix(decoded, truth [][]float64) ([][]float64, error) {
	if len(decoded) == 0 || len(truth) == 0 {
		return nil, fmt.Errorf("score: empty decoded or true set")
	}
	dim := len(truth[0])
	if err := checkSet("decoded latent", decoded, dim); err != nil {
		return nil, err
	}
	if err := checkSet("true latent", truth, dim); err != nil {
		return nil, err
	}
	return corr.Matrix(decoded, truth), nil
}

// Pairwise is the result of the pairwise test over n items.
type Pairwise struct {
	Wins     []int   // per item i, distractors j ≠ i with r[i][i] > r[i][j]
	Correct  int     // Σ Wins
	Pairs    int     // n(n−1)
	Accuracy float64 // Correct / Pairs
}

// PairwiseFromCorr scores a square correlation matrix (decoded × true).
func PairwiseFromCorr(r [][]float64) (Pairwise, error) {
	n := len(r)
	if n < 2 {
		return Pairwise{}, fmt.Errorf("score: pairwise test needs at least 2 items, got %d", n)
	}
	p := Pairwise{Wins: make([]int, n), Pairs: n * (n - 1)}
	for i, row := range r {
		if len(row) != n {
			return Pairwise{}, fmt.Errorf("score: correlation row %d has %d entries, want %d", i, len(row), n)
		}
		p.Wins[i] = corr.Wins(row, i)
		p.Correct += p.Wins[i]
	}
	p.Accuracy = float64(p.Correct) / float64(p.Pairs)
	return p, nil
}

// PairwiseAccuracy is the paper's pairwise test: for each decoded latent,
// the fraction of the n(n−1) (face, distractor) pairs where it correlates
// more with its own true latent than with the distractor's.
func PairwiseAccuracy(decoded, truth [][]float64) (Pairwise, error) {
	if len(decoded) != len(truth) {
		return Pairwise{}, fmt.Errorf("score: %d decoded latents for %d true ones", len(decoded), len(truth))
	}
	r, err := CorrMatrix(decoded, truth)
	if err != nil {
		return Pairwise{}, err
	}
	return PairwiseFromCorr(r)
}

// Recognition is the 1-of-n test: item i counts when its own true latent
// correlates more with ẑᵢ than every other one does.
type Recognition struct {
	Correct  int
	N        int
	Accuracy float64
	P        float64 // binomial P(X ≥ Correct), X ~ B(N, 1/N)
}

// RecognitionFromCorr scores a square correlation matrix.
func RecognitionFromCorr(r [][]float64) (Recognition, error) {
	pw, err := PairwiseFromCorr(r)
	if err != nil {
		return Recognition{}, err
	}
	n := len(r)
	rec := Recognition{N: n}
	for _, w := range pw.Wins {
		if w == n-1 {
			rec.Correct++
		}
	}
	rec.Accuracy = float64(rec.Correct) / float64(n)
	rec.P = BinomialTail(rec.Correct, n, 1/float64(n))
	return rec, nil
}

// OneOfN runs the 1-of-n recognition test on decoded and true latents.
func OneOfN(decoded, truth [][]float64) (Recognition, error) {
	if len(decoded) != len(truth) {
		return Recognition{}, fmt.Errorf("score: %d decoded latents for %d true ones", len(decoded), len(truth))
	}
	r, err := CorrMatrix(decoded, truth)
	if err != nil {
		return Recognition{}, err
	}
	return RecognitionFromCorr(r)
}

// BinomialTail returns P(X ≥ k) for X ~ Binomial(n, p).
func BinomialTail(k, n int, p float64) float64 {
	if k <= 0 {
		return 1
	}
	if k > n {
		return 0
	}
	var sum float64
	lp, lq := math.Log(p), math.Log1p(-p)
	for x := k; x <= n; x++ {
		lc := lchoose(n, x)
		sum += math.Exp(lc + float64(x)*lp + float64(n-x)*lq)
	}
	return math.Min(sum, 1)
}

func lchoose(n, k int) float64 {
	a, _ := math.Lgamma(float64(n + 1))
	b, _ := math.Lgamma(float64(k + 1))
	c, _ := math.Lgamma(float64(n - k + 1))
	return a - b - c
}

func checkRankSum(observed, rankings, candidates int) error {
	if rankings < 1 || candidates < 2 {
		return fmt.Errorf("score: rank-sum null needs ≥ 1 ranking of ≥ 2 candidates, got %d of %d", rankings, candidates)
	}
	if rankings > 1<<20 || candidates > 1<<20 {
		return fmt.Errorf("score: rank-sum null of %d rankings of %d candidates is too large", rankings, candidates)
	}
	if observed < 0 || observed > rankings*(candidates-1) {
		return fmt.Errorf("score: observed count %d outside [0, %d]", observed, rankings*(candidates-1))
	}
	return nil
}

// RankSumPValue is the Monte-Carlo p-value of an observed total count of
// beaten distractors: the fraction of draws whose total over `rankings`
// random ranks (each uniform on 0…candidates−1) is ≥ observed. draws ≤ 0
// means DefaultDraws; seed fixes the stream.
func RankSumPValue(observed, rankings, candidates, draws int, seed uint64) (float64, error) {
	if err := checkRankSum(observed, rankings, candidates); err != nil {
		return 0, err
	}
	if draws <= 0 {
		draws = DefaultDraws
	}
	rng := rand.New(rand.NewPCG(seed, 0xda3e39cb94b95bdb))
	// Several ranks per 64-bit word: multiplying the word by c, the high
	// half is a rank in [0, c) and the low half the rest of the word, used
	// for the next rank (Lemire's multiply-shift, recycled). Taking at most
	// k ranks per word with c^k ≤ 2^32 keeps each rank's bias below 2^-32,
	// far under the Monte-Carlo error, for ~5× fewer generator calls.
	c := uint64(candidates)
	k := 0
	for prod := uint64(1); prod <= (1<<32)/c; prod *= c {
		k++
	}
	k = max(k, 1)
	hits := 0
	for d := 0; d < draws; d++ {
		sum := uint64(0)
		for r := 0; r < rankings; {
			x := rng.Uint64()
			for j := 0; j < k && r < rankings; j++ {
				var hi uint64
				hi, x = bits.Mul64(x, c)
				sum += hi
				r++
			}
		}
		if sum >= uint64(observed) {
			hits++
		}
	}
	return float64(hits) / float64(draws), nil
}

// RankSumPValueExact is the exact tail P(S ≥ observed) of the same null,
// by repeated convolution of the uniform distribution.
func RankSumPValueExact(observed, rankings, candidates int) (float64, error) {
	if err := checkRankSum(observed, rankings, candidates); err != nil {
		return 0, err
	}
	if fm, fc := float64(rankings), float64(candidates); fm*fm*fc*fc/2 > 2e8 {
		return 0, fmt.Errorf("score: exact null of %d×%d is too large; use RankSumPValue", rankings, candidates)
	}
	if observed == 0 {
		return 1, nil
	}
	dist := []float64{1}
	u := 1 / float64(candidates)
	for r := 0; r < rankings; r++ {
		// Direct sums, no running window: a window's subtractions would
		// swamp the far tail (down to c^-m) with rounding error.
		next := make([]float64, len(dist)+candidates-1)
		for s, p := range dist {
			if p == 0 {
				continue
			}
			p *= u
			for k := 0; k < candidates; k++ {
				next[s+k] += p
			}
		}
		dist = next
	}
	var p float64
	for s := len(dist) - 1; s >= observed; s-- { // small terms first
		p += dist[s]
	}
	return math.Min(p, 1), nil
}

// PairwisePValue is the paper's p-value for a pairwise result over n items:
// RankSumPValue(Correct, n, n, draws, seed).
func PairwisePValue(p Pairwise, draws int, seed uint64) (float64, error) {
	return RankSumPValue(p.Correct, len(p.Wins), len(p.Wins), draws, seed)
}

// MeanDifferenceAxis returns mean(pos) − mean(neg), e.g. the male − female
// axis from the latents of labelled faces.
func MeanDifferenceAxis(pos, neg [][]float64) ([]float64, error) {
	if len(pos) == 0 || len(neg) == 0 {
		return nil, fmt.Errorf("score: axis needs examples on both sides (%d, %d)", len(pos), len(neg))
	}
	dim := len(pos[0])
	if err := checkSet("positive example", pos, dim); err != nil {
		return nil, err
	}
	if err := checkSet("negative example", neg, dim); err != nil {
		return nil, err
	}
	axis := make([]float64, dim)
	for _, v := range pos {
		for j, x := range v {
			axis[j] += x / float64(len(pos))
		}
	}
	for _, v := range neg {
		for j, x := range v {
			axis[j] -= x / float64(len(neg))
		}
	}
	return axis, nil
}

// Project returns the dot product of each latent with axis (through the
// origin, as in the paper: no offset).
func Project(latents [][]float64, axis []float64) ([]float64, error) {
	if err := checkSet("latent", latents, len(axis)); err != nil {
		return nil, err
	}
	out := make([]float64, len(latents))
	for i, v := range latents {
		for j, x := range v {
			out[i] += x * axis[j]
		}
	}
	return out, nil
}

// AxisAccuracy is the fraction of latents whose projection sign matches
// the label (positive: projection > 0), e.g. gender with the male − female
// axis and isMale labels. Run it on the true latents for the ceiling.
func AxisAccuracy(latents [][]float64, axis []float64, positive []bool) (float64, error) {
	if len(latents) != len(positive) || len(latents) == 0 {
		return 0, fmt.Errorf("score: %d latents for %d labels", len(latents), len(positive))
	}
	proj, err := Project(latents, axis)
	if err != nil {
		return 0, err
	}
	ok := 0
	for i, p := range proj {
		if (p > 0) == positive[i] {
			ok++
		}
	}
	return float64(ok) / float64(len(latents)), nil
}

// Imagery ranks one decoded latent against the true imagined latent and
// distractors: Wins counts distractors j with r(ẑ, z*) > r(ẑ, zⱼ), and the
// accuracy is Wins/len(distractors); P is its exact rank p-value.
type Imagery struct {
	Wins, Distractors int
	Accuracy          float64
	P                 float64
}

// ImageryRank runs the imagery test for one subject.
func ImageryRank(decoded, imagined []float64, distractors [][]float64) (Imagery, error) {
	if len(distractors) == 0 {
		return Imagery{}, fmt.Errorf("score: imagery test needs distractors")
	}
	all := append([][]float64{imagined}, distractors...)
	r, err := CorrMatrix([][]float64{decoded}, all)
	if err != nil {
		return Imagery{}, err
	}
	im := Imagery{Distractors: len(distractors)}
	for _, v := range r[0][1:] {
		if r[0][0] > v {
			im.Wins++
		}
	}
	im.Accuracy = float64(im.Wins) / float64(im.Distractors)
	im.P, err = RankSumPValueExact(im.Wins, 1, im.Distractors+1)
	return im, err
}
