package pca

import (
	"fmt"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// Model is a fitted PCA: rows x are encoded as Components·(x − Mean).
type Model struct {
	Mean       []float32 // D
	Components []float32 // K×D row-major, orthonormal rows, by decreasing variance
	K, D       int
	Explained  []float64 // K, variance of the training rows along each component
	TotalVar   float64   // total variance of the training rows (sum over all D axes)
	Config     Config    // how the model was fitted
}

// ExplainedRatio returns the fraction of the total training variance that the
// K components keep (NaN if the total is zero).
func (m *Model) ExplainedRatio() float64 {
	var s float64
	for _, v := range m.Explained {
		s += v
	}
	return s / m.TotalVar
}

func (m *Model) comps() blas32.General {
	return blas32.General{Rows: m.K, Cols: m.D, Stride: m.D, Data: m.Components}
}

// Encode writes the K coefficients of one row img (length D) into coef.
// It panics if the lengths do not match the model (a programming error).
func (m *Model) Encode(img, coef []float32) {
	if len(img) != m.D || len(coef) != m.K {
		panic(fmt.Sprintf("pca: Encode: image of %d values and %d coefficients for a model with D=%d, K=%d", len(img), len(coef), m.D, m.K))
	}
	c := make([]float32, m.D)
	for j, v := range img {
		c[j] = v - m.Mean[j]
	}
	blas32.Gemv(blas.NoTrans, 1, m.comps(), blas32.Vector{N: m.D, Inc: 1, Data: c}, 0, blas32.Vector{N: m.K, Inc: 1, Data: coef})
}

// Decode writes the row mean + Componentsᵀ·coef into img (length D). Values
// are not clipped: a caller that displays the image clips to [0,1].
// It panics if the lengths do not match the model.
func (m *Model) Decode(coef, img []float32) {
	if len(img) != m.D || len(coef) != m.K {
		panic(fmt.Sprintf("pca: Decode: %d coefficients and image of %d values for a model with D=%d, K=%d", len(coef), len(img), m.D, m.K))
	}
	copy(img, m.Mean)
	blas32.Gemv(blas.Trans, 1, m.comps(), blas32.Vector{N: m.K, Inc: 1, Data: coef}, 1, blas32.Vector{N: m.D, Inc: 1, Data: img})
}

// encodeBlock is how many rows EncodeAll centres at once (bounds its scratch memory).
const encodeBlock = 256

// EncodeAll encodes the n rows of x (n×D) and returns their coefficients (n×K).
// It panics if len(x) != n·D.
func (m *Model) EncodeAll(x []float32, n int) []float32 {
	if n < 0 || len(x) != n*m.D {
		panic(fmt.Sprintf("pca: EncodeAll: %d values for %d rows of D=%d", len(x), n, m.D))
	}
	out := make([]float32, n*m.K)
	scratch := make([]float32, min(n, encodeBlock)*m.D)
	for r0 := 0; r0 < n; r0 += encodeBlock {
		r1 := min(r0+encodeBlock, n)
		b := scratch[:(r1-r0)*m.D]
		for i := range r1 - r0 {
			src := x[(r0+i)*m.D : (r0+i+1)*m.D]
			dst := b[i*m.D : (i+1)*m.D]
			for j, v := range src {
				dst[j] = v - m.Mean[j]
			}
		}
		xb := blas32.General{Rows: r1 - r0, Cols: m.D, Stride: m.D, Data: b}
		ob := blas32.General{Rows: r1 - r0, Cols: m.K, Stride: m.K, Data: out[r0*m.K : r1*m.K]}
		blas32.Gemm(blas.NoTrans, blas.Trans, 1, xb, m.comps(), 0, ob)
	}
	return out
}

// DecodeAll decodes n coefficient rows (n×K) into n rows (n×D), unclipped.
// It panics if len(coef) != n·K.
func (m *Model) DecodeAll(coef []float32, n int) []float32 {
	if n < 0 || len(coef) != n*m.K {
		panic(fmt.Sprintf("pca: DecodeAll: %d coefficients for %d rows of K=%d", len(coef), n, m.K))
	}
	out := make([]float32, n*m.D)
	for i := range n {
		copy(out[i*m.D:(i+1)*m.D], m.Mean)
	}
	if n == 0 {
		return out
	}
	cb := blas32.General{Rows: n, Cols: m.K, Stride: m.K, Data: coef}
	ob := blas32.General{Rows: n, Cols: m.D, Stride: m.D, Data: out}
	blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, cb, m.comps(), 1, ob)
	return out
}
