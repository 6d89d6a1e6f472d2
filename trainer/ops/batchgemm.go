package ops

import (
	"runtime"
	"sync"

	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
)

// The convolutions lower a batch to one matrix whose columns run over
// (image, pixel): cols is k × n·p for n images of p pixels. Activations are
// NCHW, where image b's channels form a contiguous c × p block. The products
// below take or give NCHW directly, one GEMM per image on a column block of
// cols (leading dimension n·p), instead of one GEMM over the whole batch and a
// transposing copy to or from channel-major order around it. The copies were
// about 8 % of a training step. Below perImageMin pixels the per-image
// products get too thin for BLAS to run well, and the batch is multiplied
// whole; those activations are small, and so are their copies.
const perImageMin = 64

// mulToNCHW sets out (NCHW, n × m × p) to op(A)·cols, A being m × k.
func mulToNCHW(tA blas.Transpose, m, k int, a []float32, lda int, cols []float32, n, p int, out []float32) {
	impl := G.WhichBLAS()
	if p < perImageMin {
		t := make([]float32, m*n*p)
		impl.Sgemm(tA, blas.NoTrans, m, n*p, k, 1, a, lda, cols, n*p, 0, t, n*p)
		fromCNHWInto(out, t, n, m, p)
		return
	}
	parallel(n, func(b int) {
		impl.Sgemm(tA, blas.NoTrans, m, p, k, 1, a, lda, cols[b*p:], n*p, 0, out[b*m*p:], p)
	})
}

// mulFromNCHW sets cols (m × n·p) to op(A)·x, A being m × k and x NCHW
// (n × k × p).
func mulFromNCHW(tA blas.Transpose, m, k int, a []float32, lda int, x []float32, n, p int, cols []float32) {
	impl := G.WhichBLAS()
	if p < perImageMin {
		impl.Sgemm(tA, blas.NoTrans, m, n*p, k, 1, a, lda, toCNHW(x, n, k, p), n*p, 0, cols, n*p)
		return
	}
	parallel(n, func(b int) {
		impl.Sgemm(tA, blas.NoTrans, m, p, k, 1, a, lda, x[b*k*p:], p, 0, cols[b*p:], n*p)
	})
}

// mulNCHWColsT sets out (m × k) to x·colsᵀ, summed over the batch: x is NCHW
// (n × m × p) and cols k × n·p. Each worker sums its images into a partial
// product of its own.
func mulNCHWColsT(m, k int, x []float32, n, p int, cols []float32, out []float32) {
	impl := G.WhichBLAS()
	if p < perImageMin {
		impl.Sgemm(blas.NoTrans, blas.Trans, m, k, n*p, 1, toCNHW(x, n, m, p), n*p, cols, n*p, 0, out, k)
		return
	}
	workers := min(runtime.GOMAXPROCS(0), n)
	partial := make([][]float32, workers)
	var wg sync.WaitGroup
	for wk := range workers {
		dst := out
		if wk > 0 {
			dst = make([]float32, m*k)
		}
		partial[wk] = dst
		wg.Add(1)
		go func() {
			defer wg.Done()
			beta := float32(0)
			for b := wk; b < n; b += workers {
				impl.Sgemm(blas.NoTrans, blas.Trans, m, k, p, 1, x[b*m*p:], p, cols[b*p:], n*p, beta, dst, k)
				beta = 1
			}
		}()
	}
	wg.Wait()
	for _, pt := range partial[1:] {
		for i, v := range pt {
			out[i] += v
		}
	}
}
