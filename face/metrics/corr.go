package metrics

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
)

// Pearson returns the Pearson correlation of a and b (same length ≥ 2); NaN if
// either is constant.
func Pearson(a, b []float32) float64 {
	if len(a) != len(b) {
		panic(fmt.Sprintf("facemetrics: Pearson of %d and %d values", len(a), len(b)))
	}
	if len(a) < 2 {
		return math.NaN()
	}
	var ma, mb float64
	for i := range a {
		ma += float64(a[i])
		mb += float64(b[i])
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		da, db := float64(a[i])-ma, float64(b[i])-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	if saa == 0 || sbb == 0 {
		return math.NaN()
	}
	return clampCorr(sab / math.Sqrt(saa*sbb))
}

// CorrMatrix returns the n×n matrix (row-major) of Pearson correlations
// between the rows of a and the rows of b (both n×d): element i·n+j is
// r(a_i, b_j). Rows are standardised once and multiplied with one BLAS GEMM.
// Correlations with a constant row are NaN.
//
// For identification, pass the reconstructions (or decoded latents) as a and
// the originals (true latents) as b.
func CorrMatrix(a, b []float32, n, d int) []float64 {
	if n < 0 || d < 0 || len(a) != n*d || len(b) != n*d {
		panic(fmt.Sprintf("facemetrics: CorrMatrix of %d and %d values for %d rows of %d", len(a), len(b), n, d))
	}
	sa, sb := standardize(a, n, d), standardize(b, n, d)
	out := make([]float64, n*n)
	if n == 0 || d == 0 {
		return out
	}
	blas64.Gemm(blas.NoTrans, blas.Trans, 1,
		blas64.General{Rows: n, Cols: d, Stride: d, Data: sa},
		blas64.General{Rows: n, Cols: d, Stride: d, Data: sb}, 0,
		blas64.General{Rows: n, Cols: n, Stride: n, Data: out})
	for i, v := range out {
		out[i] = clampCorr(v)
	}
	return out
}

// standardize returns the rows of x minus their mean, divided by their norm
// (so that dot products are correlations); a constant row becomes all NaN.
func standardize(x []float32, n, d int) []float64 {
	out := make([]float64, n*d)
	for i := range n {
		row := x[i*d : (i+1)*d]
		dst := out[i*d : (i+1)*d]
		var m float64
		for _, v := range row {
			m += float64(v)
		}
		m /= float64(d)
		var ss float64
		for j, v := range row {
			dst[j] = float64(v) - m
			ss += dst[j] * dst[j]
		}
		s := 1 / math.Sqrt(ss) // +Inf for a constant row: 0·Inf = NaN below
		for j := range dst {
			dst[j] *= s
		}
	}
	return out
}

// clampCorr removes rounding beyond ±1 (NaN passes through).
func clampCorr(r float64) float64 { return math.Max(-1, math.Min(1, r)) }

// Identification is the pairwise identification accuracy of a correlation
// matrix corr (n×n, row-major, corr[i·n+j] = r(decoded_i, true_j)): over all
// n(n−1) ordered pairs i ≠ j, the fraction with corr[i][i] > corr[i][j]
// (strictly; ties and NaN count as failures). Chance is 0.5. This is the
// paper's pairwise measure and the face model's reconstruction
// identification. NaN for n < 2.
func Identification(corr []float64, n int) float64 {
	checkSquare("Identification", corr, n)
	if n < 2 {
		return math.NaN()
	}
	wins := 0
	for i := range n {
		row := corr[i*n : (i+1)*n]
		for j, v := range row {
			if j != i && row[i] > v {
				wins++
			}
		}
	}
	return float64(wins) / float64(n*(n-1))
}

// Recognition is the 1-of-n accuracy (the paper's "full recognition"): the
// fraction of rows i whose diagonal corr[i][i] is strictly larger than every
// other corr[i][j]. Chance is 1/n. NaN for n < 1.
func Recognition(corr []float64, n int) float64 {
	checkSquare("Recognition", corr, n)
	if n < 1 {
		return math.NaN()
	}
	hits := 0
	for i := range n {
		row := corr[i*n : (i+1)*n]
		ok := !math.IsNaN(row[i])
		for j, v := range row {
			if j != i && !(row[i] > v) {
				ok = false
				break
			}
		}
		if ok {
			hits++
		}
	}
	return float64(hits) / float64(n)
}

func checkSquare(fn string, corr []float64, n int) {
	if n < 0 || len(corr) != n*n {
		panic(fmt.Sprintf("facemetrics: %s of %d values for an %d×%d matrix", fn, len(corr), n, n))
	}
}
