//go:build !purego

package gorgoniablas

// #cgo LDFLAGS: -lopenblas
// void openblas_set_num_threads(int);
import "C"

import (
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

// UseForTraining installs OpenBLAS like Use, but single-threaded, with large
// float32 matrix products split across GOMAXPROCS goroutines instead (for
// gorgonia only; gonum keeps Use's setting). Between its calls OpenBLAS's
// own worker threads spin, yielding the CPU in a loop, and while the
// trainer's Go code ran its parallel loops (im2col, batch norm, ELU) they
// took about 30 % of the CPU of a training step. It returns the BLAS name.
func UseForTraining() string {
	Use()
	C.openblas_set_num_threads(1)
	G.Use(splitBLAS{})
	return "openblas (1 thread, products split across goroutines)"
}

// splitBLAS is netlib's BLAS with Sgemm split along the larger dimension of C.
type splitBLAS struct{ netlib.Implementation }

// splitMin is the multiply-adds below which a product runs on one goroutine.
const splitMin = 1 << 21

func (b splitBLAS) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int,
	bm []float32, ldb int, beta float32, c []float32, ldc int) {
	parts := runtime.GOMAXPROCS(0)
	if parts < 2 || m*n*k < splitMin || max(m, n) < 2*parts {
		b.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, bm, ldb, beta, c, ldc)
		return
	}
	var wg sync.WaitGroup
	if m >= n {
		// Rows of C: row i of op(A) is a[i·lda:] untransposed, a[i:] transposed.
		for p := range parts {
			i0, i1 := p*m/parts, (p+1)*m/parts
			off := i0 * lda
			if tA == blas.Trans {
				off = i0
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				b.Implementation.Sgemm(tA, tB, i1-i0, n, k, alpha, a[off:], lda, bm, ldb, beta, c[i0*ldc:], ldc)
			}()
		}
	} else {
		// Columns of C: column j of op(B) is bm[j:] untransposed, bm[j·ldb:] transposed.
		for p := range parts {
			j0, j1 := p*n/parts, (p+1)*n/parts
			off := j0
			if tB == blas.Trans {
				off = j0 * ldb
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				b.Implementation.Sgemm(tA, tB, m, j1-j0, k, alpha, a, lda, bm[off:], ldb, beta, c[j0:], ldc)
			}()
		}
	}
	wg.Wait()
}
