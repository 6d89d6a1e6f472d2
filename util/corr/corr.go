package corr

import (
	"fmt"
	"math"
)

// Float is the element type of the vectors: float32 or float64.
type Float interface{ ~float32 | ~float64 }

// sums returns the centred cross product and sums of squares of a and b,
// and ok = false when their correlation is undefined (lengths differ, empty,
// or either constant). It is the single place the arithmetic lives.
func sums[T Float](a, b []T) (sab, saa, sbb float64, ok bool) {
	n := len(a)
	if n == 0 || len(b) != n {
		return 0, 0, 0, false
	}
	var ma, mb float64
	for i := range a {
		ma += float64(a[i])
		mb += float64(b[i])
	}
	ma /= float64(n)
	mb /= float64(n)
	for i := range a {
		da, db := float64(a[i])-ma, float64(b[i])-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	return sab, saa, sbb, saa != 0 && sbb != 0
}

// Pearson returns the correlation of a and b, or NaN when it is undefined:
// lengths differ, they are empty, or either is constant.
func Pearson[T Float](a, b []T) float64 {
	return PearsonOr(a, b, math.NaN())
}

// PearsonOr is Pearson with undefined returned where the correlation is
// undefined (lengths differ, empty, or either constant).
func PearsonOr[T Float](a, b []T, undefined float64) float64 {
	sab, saa, sbb, ok := sums(a, b)
	if !ok {
		return undefined
	}
	return sab / math.Sqrt(saa*sbb)
}

// Matrix returns r[i][j] = Pearson(a[i], b[j]).
func Matrix[T Float](a, b [][]T) [][]float64 {
	r := make([][]float64, len(a))
	for i, x := range a {
		r[i] = make([]float64, len(b))
		for j, y := range b {
			r[i][j] = Pearson(x, y)
		}
	}
	return r
}

// MatrixInto fills r, row-major, with r[i·nb+j] = PearsonOr(aᵢ, bⱼ,
// undefined), where aᵢ and bⱼ are the rows of length d laid out one after
// another in a (na = len(a)/d rows) and b (nb = len(b)/d rows). It allocates
// nothing. It panics when d < 1, len(a) or len(b) is not a multiple of d, or
// len(r) ≠ na·nb.
func MatrixInto[T Float](r []float64, a, b []T, d int, undefined float64) {
	if d < 1 || len(a)%d != 0 || len(b)%d != 0 || len(r) != len(a)/d*(len(b)/d) {
		panic(fmt.Sprintf("corr: MatrixInto of %d and %d values in rows of %d into %d", len(a), len(b), d, len(r)))
	}
	nb := len(b) / d
	for i := range len(a) / d {
		x := a[i*d : (i+1)*d]
		for j := range nb {
			r[i*nb+j] = PearsonOr(x, b[j*d:(j+1)*d], undefined)
		}
	}
}

// Standardize writes into dst (n·d values) the n rows of x (n×d, row-major)
// minus their mean and divided by their norm, so that the dot product of two
// standardized rows is their correlation (up to rounding: a BLAS product of
// standardized rows is the fast way to a large correlation matrix, within
// about 1e-15 of Matrix). A constant row becomes all NaN. It panics when
// len(x) or len(dst) is not n·d.
func Standardize[T Float](dst []float64, x []T, n, d int) {
	if n < 0 || d < 0 || len(x) != n*d || len(dst) != n*d {
		panic(fmt.Sprintf("corr: Standardize of %d values into %d for %d rows of %d", len(x), len(dst), n, d))
	}
	for i := range n {
		row := x[i*d : (i+1)*d]
		out := dst[i*d : (i+1)*d]
		var m float64
		for _, v := range row {
			m += float64(v)
		}
		m /= float64(d)
		var ss float64
		for j, v := range row {
			out[j] = float64(v) - m
			ss += out[j] * out[j]
		}
		s := 1 / math.Sqrt(ss) // +Inf for a constant row: 0·Inf = NaN below
		for j := range out {
			out[j] *= s
		}
	}
}

// Clamp limits r to [−1, 1], removing the rounding of a product of
// standardized rows beyond ±1; NaN passes through.
func Clamp(r float64) float64 { return math.Max(-1, math.Min(1, r)) }

// Wins counts the entries of row, other than row[i], that row[i] strictly
// exceeds: for row i of a correlation matrix (decoded i against every true
// item), the distractors j that decoded i correlates less with than with its
// own item. Ties and NaN count as losses.
func Wins(row []float64, i int) int {
	w := 0
	for j, v := range row {
		if j != i && row[i] > v {
			w++
		}
	}
	return w
}

// Pairwise is the paper's pairwise test on an n×n correlation matrix r
// (row-major, r[i·n+j] between decoded i and true j): correct = Σᵢ
// Wins(row i, i) out of total = n·(n−1) ordered pairs. perRow, if not nil
// (length n), receives each row's wins. It allocates nothing and panics when
// len(r) ≠ n·n.
func Pairwise(r []float64, n int, perRow []int) (correct, total int) {
	if n < 0 || len(r) != n*n || (perRow != nil && len(perRow) != n) {
		panic(fmt.Sprintf("corr: Pairwise of %d values for a %d×%d matrix (%d per-row counts)", len(r), n, n, len(perRow)))
	}
	for i := range n {
		w := Wins(r[i*n:(i+1)*n], i)
		if perRow != nil {
			perRow[i] = w
		}
		correct += w
	}
	return correct, n * (n - 1)
}
