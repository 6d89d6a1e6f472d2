package ops

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
)

// TestBatchGEMM checks the three whole-batch products against plain loops,
// for maps on both sides of perImageMin and with A transposed or not.
func TestBatchGEMM(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const m, k, n = 5, 7, 3
	for _, p := range []int{1, perImageMin - 1, perImageMin, 100} {
		for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
			// A is m × k as op(A); stored k × m when transposed.
			a := randSlice(r, m*k)
			lda, at := k, func(i, j int) float32 { return a[i*k+j] }
			if tA == blas.Trans {
				lda, at = m, func(i, j int) float32 { return a[j*m+i] }
			}
			cols := randSlice(r, k*n*p)   // k × n·p
			xIn := randSlice(r, n*k*p)    // NCHW n × k × p
			xGrad := randSlice(r, n*m*p)  // NCHW n × m × p
			colsM := randSlice(r, k*n*p)  // k × n·p, for the gradient
			out := make([]float32, n*m*p) // mulToNCHW
			mulToNCHW(tA, m, k, a, lda, cols, n, p, out)
			got := make([]float32, m*n*p) // mulFromNCHW: m × n·p (A is m × k)
			mulFromNCHW(tA, m, k, a, lda, xIn, n, p, got)
			dw := randSlice(r, m*k) // must be overwritten, not added to
			mulNCHWColsT(m, k, xGrad, n, p, colsM, dw)
			for b := range n {
				for i := range m {
					for q := range p {
						var to, from float64
						for j := range k {
							to += float64(at(i, j)) * float64(cols[j*n*p+b*p+q])
							from += float64(at(i, j)) * float64(xIn[(b*k+j)*p+q])
						}
						near(t, "mulToNCHW", p, tA, out[(b*m+i)*p+q], to)
						near(t, "mulFromNCHW", p, tA, got[i*n*p+b*p+q], from)
					}
				}
			}
			for i := range m {
				for j := range k {
					var s float64
					for b := range n {
						for q := range p {
							s += float64(xGrad[(b*m+i)*p+q]) * float64(colsM[j*n*p+b*p+q])
						}
					}
					near(t, "mulNCHWColsT", p, tA, dw[i*k+j], s)
				}
			}
		}
	}
}

func near(t *testing.T, name string, p int, tA blas.Transpose, got float32, want float64) {
	t.Helper()
	if math.Abs(float64(got)-want) > 1e-4*(1+math.Abs(want)) {
		t.Fatalf("%s (p=%d, %v): %v, want %v", name, p, tA, got, want)
	}
}
