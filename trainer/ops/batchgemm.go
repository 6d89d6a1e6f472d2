package ops

import (
	"gonum.org/v1/gonum/blas"
	G "gorgonia.org/gorgonia"
)

// The products of layers with fewer than perImageMin pixels per image: the
// batch is lowered to one matrix whose columns run over (image, pixel), cols
// being k × n·p for n images of p pixels, and multiplied in one GEMM, with a
// transposing copy between it and the activations' NCHW order (image b's
// channels a contiguous c × p block). Per image, those products would be
// too thin for BLAS to run well; the activations are small, and so are the
// copies. Larger maps go image by image (perimage.go).
const perImageMin = 64

// mulToNCHW sets out (NCHW, n × m × p) to op(A)·cols, A being m × k.
func mulToNCHW(tA blas.Transpose, m, k int, a []float32, lda int, cols []float32, n, p int, out []float32) {
	t := make([]float32, m*n*p)
	G.WhichBLAS().Sgemm(tA, blas.NoTrans, m, n*p, k, 1, a, lda, cols, n*p, 0, t, n*p)
	fromCNHWInto(out, t, n, m, p)
}

// mulFromNCHW sets cols (m × n·p) to op(A)·x, A being m × k and x NCHW
// (n × k × p).
func mulFromNCHW(tA blas.Transpose, m, k int, a []float32, lda int, x []float32, n, p int, cols []float32) {
	G.WhichBLAS().Sgemm(tA, blas.NoTrans, m, n*p, k, 1, a, lda, toCNHW(x, n, k, p), n*p, 0, cols, n*p)
}

// mulNCHWColsT sets out (m × k) to x·colsᵀ, summed over the batch: x is NCHW
// (n × m × p) and cols k × n·p.
func mulNCHWColsT(m, k int, x []float32, n, p int, cols []float32, out []float32) {
	G.WhichBLAS().Sgemm(blas.NoTrans, blas.Trans, m, k, n*p, 1, toCNHW(x, n, m, p), n*p, cols, n*p, 0, out, k)
}
