//go:build !purego

package gorgoniablas

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
)

// TestSplitSgemm: the split product equals one OpenBLAS call for every
// transpose combination, both split directions and ragged sizes.
func TestSplitSgemm(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	rnd := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(r.NormFloat64())
		}
		return v
	}
	for _, sz := range [][3]int{{301, 129, 77}, {67, 517, 91}, {3, 5, 7}} {
		m, n, k := sz[0], sz[1], sz[2]
		for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
			for _, tB := range []blas.Transpose{blas.NoTrans, blas.Trans} {
				lda, ldb := k, n
				if tA == blas.Trans {
					lda = m
				}
				if tB == blas.Trans {
					ldb = k
				}
				a, b, c0 := rnd(m*k), rnd(k*n), rnd(m*n)
				want, got := append([]float32(nil), c0...), append([]float32(nil), c0...)
				netlib.Implementation{}.Sgemm(tA, tB, m, n, k, 1.5, a, lda, b, ldb, 0.5, want, n)
				splitBLAS{}.Sgemm(tA, tB, m, n, k, 1.5, a, lda, b, ldb, 0.5, got, n)
				for i := range want {
					if math.Abs(float64(want[i]-got[i])) > 1e-4*(1+math.Abs(float64(want[i]))) {
						t.Fatalf("%v %v %v: c[%d] = %v, want %v", sz, tA, tB, i, got[i], want[i])
					}
				}
			}
		}
	}
}
