package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
)

// naive computes C (+)= op(A)·op(B) with a float64 triple loop.
func naive(m, n, k int, a []float32, lda int, transA bool, b []float32, ldb int, transB bool, c []float32, ldc int, accumulate bool) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float64
			for p := 0; p < k; p++ {
				ia, ib := i*lda+p, p*ldb+j
				if transA {
					ia = p*lda + i
				}
				if transB {
					ib = j*ldb + p
				}
				av, bv := a[ia], b[ib]
				s += float64(av) * float64(bv)
			}
			if accumulate {
				s += float64(c[i*ldc+j])
			}
			c[i*ldc+j] = float32(s)
		}
	}
}

func randSlice(r *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = float32(r.NormFloat64())
	}
	return x
}

func TestMulMatchesNaive(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	shapes := [][3]int{
		{1, 1, 1}, {4, 4, 4}, {1, 37, 19}, {1, 5, 1}, {3, 1, 7}, {5, 7, 3}, {17, 13, 300},
		{130, 9, 5}, {4, 2050, 2}, {27, 1024, 32}, {64, 64, 513}, {129, 131, 257},
		{1, 200, 300}, {2, 200, 300}, {0, 3, 4}, {3, 0, 4}, {3, 4, 0},
	}
	for range 20 {
		shapes = append(shapes, [3]int{1 + r.IntN(70), 1 + r.IntN(70), 1 + r.IntN(300)})
	}
	var w Workspace // shared across cases, as callers do
	for _, s := range shapes {
		m, n, k := s[0], s[1], s[2]
		for _, tA := range []bool{false, true} {
			for _, tB := range []bool{false, true} {
				for _, acc := range []bool{false, true} {
					name := fmt.Sprintf("%dx%dx%d/tA=%v/tB=%v/acc=%v", m, n, k, tA, tB, acc)
					// Strides larger than the rows exercise lda/ldb/ldc.
					ar, ac := m, k
					if tA {
						ar, ac = k, m
					}
					br, bc := k, n
					if tB {
						br, bc = n, k
					}
					lda, ldb, ldc := ac+r.IntN(3), bc+r.IntN(3), n+r.IntN(3)
					a := randSlice(r, max(ar*lda, 1))
					b := randSlice(r, max(br*ldb, 1))
					c0 := randSlice(r, max(m*ldc, 1))
					got := append([]float32(nil), c0...)
					want := append([]float32(nil), c0...)
					w.Mul(m, n, k, a, lda, tA, b, ldb, tB, got, ldc, acc)
					naive(m, n, k, a, lda, tA, b, ldb, tB, want, ldc, acc)
					tol := 1e-4 * math.Sqrt(float64(k+1))
					for i := range got {
						if d := math.Abs(float64(got[i] - want[i])); d > tol*(1+math.Abs(float64(want[i]))) {
							t.Fatalf("%s: c[%d] = %g, want %g", name, i, got[i], want[i])
						}
					}
				}
			}
		}
	}
}

func TestMulNoAllocsAfterReserve(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	m, n, k := 300, 200, 600
	a, b, c := randSlice(r, m*k), randSlice(r, k*n), make([]float32, m*n)
	var w Workspace
	w.Reserve(m, n, k)
	allocs := testing.AllocsPerRun(3, func() {
		w.Mul(m, n, k, a, k, false, b, n, false, c, n, false)
	})
	if allocs != 0 {
		t.Errorf("Mul allocated %v times per call after Reserve", allocs)
	}
}

func TestMulPanicsOnShortSlice(t *testing.T) {
	cases := []struct {
		name    string
		a, b, c int
	}{
		{"short A", 5, 6, 4},
		{"short B", 6, 5, 4},
		{"short C", 6, 6, 3},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			Mul(2, 2, 3, make([]float32, tc.a), 3, false, make([]float32, tc.b), 2, false, make([]float32, tc.c), 2, false)
		})
	}
}
