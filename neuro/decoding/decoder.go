package decoding

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/lapack/lapack64"
	"gonum.org/v1/gonum/mat"
)

// Decoder maps voxel patterns to latent vectors. It is immutable.
type Decoder struct {
	d *mat.Dense // V × k, D = Wᵀ(WWᵀ)⁻¹
}

// rankTol is the 1−R² below which a row of W counts as a combination of the
// rows before it.
const rankTol = 1e-10

// New builds the decoder for W (k × V, bias row last, k ≥ 2, V ≥ k).
func New(W *mat.Dense) (*Decoder, error) {
	k, v := W.Dims()
	if k < 2 {
		return nil, fmt.Errorf("decoding: W needs at least one latent row and the bias row, got %d rows", k)
	}
	if v < k {
		return nil, fmt.Errorf("decoding: W has %d voxels for %d rows: WWᵀ is singular", v, k)
	}
	// WWᵀ scaled to unit diagonal, for a well-conditioned Cholesky.
	g := blas64.Symmetric{Uplo: blas.Upper, N: k, Stride: k, Data: make([]float64, k*k)}
	blas64.Syrk(blas.NoTrans, 1, W.RawMatrix(), 0, g)
	s := make([]float64, k)
	for i := 0; i < k; i++ {
		d := g.Data[i*k+i]
		if math.IsNaN(d) || math.IsInf(d, 0) {
			return nil, fmt.Errorf("decoding: row %d of W has non-finite values", i)
		}
		if d == 0 {
			return nil, fmt.Errorf("decoding: row %d of W is all zeros", i)
		}
		s[i] = 1 / math.Sqrt(d)
	}
	for i := 0; i < k; i++ {
		for j := i; j < k; j++ {
			g.Data[i*k+j] *= s[i] * s[j]
		}
	}
	u, ok := lapack64.Potrf(g)
	if ok {
		for i := 0; i < k; i++ {
			if d := u.Data[i*k+i]; d*d < rankTol {
				ok = false
				break
			}
		}
	}
	if !ok {
		return nil, fmt.Errorf("decoding: the rows of W are linearly dependent (WWᵀ is singular)")
	}
	// X = (WWᵀ)⁻¹W = S·Gs⁻¹·S·W, then D = Xᵀ.
	x := mat.DenseCopyOf(W)
	for i := 0; i < k; i++ {
		blas64.Scal(s[i], blas64.Vector{N: v, Inc: 1, Data: x.RawRowView(i)})
	}
	lapack64.Potrs(u, x.RawMatrix())
	for i := 0; i < k; i++ {
		blas64.Scal(s[i], blas64.Vector{N: v, Inc: 1, Data: x.RawRowView(i)})
	}
	d := mat.NewDense(v, k, nil)
	d.Copy(x.T())
	return &Decoder{d: d}, nil
}

// NewSubset builds the decoder for the voxels idx of W (an ROI).
func NewSubset(W *mat.Dense, idx []int) (*Decoder, error) {
	sub, err := Columns(W, idx)
	if err != nil {
		return nil, err
	}
	return New(sub)
}

// Matrix returns D = Wᵀ(WWᵀ)⁻¹ (V × k, bias column last). The caller must
// not modify it.
func (d *Decoder) Matrix() *mat.Dense { return d.d }

// Voxels returns V.
func (d *Decoder) Voxels() int { r, _ := d.d.Dims(); return r }

// Latent returns the number of decoded dimensions, k−1 (bias dropped).
func (d *Decoder) Latent() int { _, c := d.d.Dims(); return c - 1 }

// Decode returns ẑ = y·D without the bias element.
func (d *Decoder) Decode(y []float64) ([]float64, error) {
	v, k := d.d.Dims()
	if len(y) != v {
		return nil, fmt.Errorf("decoding: pattern has %d voxels, decoder %d", len(y), v)
	}
	out := make([]float64, k)
	blas64.Gemv(blas.Trans, 1, d.d.RawMatrix(), blas64.Vector{N: v, Inc: 1, Data: y}, 0, blas64.Vector{N: k, Inc: 1, Data: out})
	return out[:k-1], nil
}

// DecodeRows decodes every row of Y (m × V) and returns m × (k−1).
func (d *Decoder) DecodeRows(Y *mat.Dense) (*mat.Dense, error) {
	m, v := Y.Dims()
	dv, k := d.d.Dims()
	if m == 0 || v != dv {
		return nil, fmt.Errorf("decoding: %d patterns of %d voxels for a decoder of %d voxels", m, v, dv)
	}
	var z mat.Dense
	z.Mul(Y, d.d)
	out := mat.NewDense(m, k-1, nil)
	out.Copy(z.Slice(0, m, 0, k-1))
	return out, nil
}

// Columns gathers the columns idx of M into a new matrix.
func Columns(M *mat.Dense, idx []int) (*mat.Dense, error) {
	r, c := M.Dims()
	if len(idx) == 0 {
		return nil, fmt.Errorf("decoding: empty voxel selection")
	}
	for _, j := range idx {
		if j < 0 || j >= c {
			return nil, fmt.Errorf("decoding: voxel index %d out of range [0, %d)", j, c)
		}
	}
	out := mat.NewDense(r, len(idx), nil)
	for i := 0; i < r; i++ {
		src, dst := M.RawRowView(i), out.RawRowView(i)
		for a, j := range idx {
			dst[a] = src[j]
		}
	}
	return out, nil
}

// Gather returns the submatrix M[rows, cols] as a new matrix, e.g. the
// test-face patterns (their beta rows) over the selected voxels.
func Gather(M *mat.Dense, rows, cols []int) (*mat.Dense, error) {
	r, c := M.Dims()
	if len(rows) == 0 || len(cols) == 0 {
		return nil, fmt.Errorf("decoding: empty row or column selection")
	}
	for _, i := range rows {
		if i < 0 || i >= r {
			return nil, fmt.Errorf("decoding: row %d out of range [0, %d)", i, r)
		}
	}
	for _, j := range cols {
		if j < 0 || j >= c {
			return nil, fmt.Errorf("decoding: voxel index %d out of range [0, %d)", j, c)
		}
	}
	out := mat.NewDense(len(rows), len(cols), nil)
	for a, i := range rows {
		src, dst := M.RawRowView(i), out.RawRowView(a)
		for b, j := range cols {
			dst[b] = src[j]
		}
	}
	return out, nil
}

// AssembleW builds W (k × V) from GLM betas (columns × voxels): the
// modulator rows latentRows in order, then the bias row (the face
// regressor) last, over the voxels given (all voxels when nil).
func AssembleW(beta *mat.Dense, latentRows []int, biasRow int, voxels []int) (*mat.Dense, error) {
	if len(latentRows) == 0 {
		return nil, fmt.Errorf("decoding: no latent rows for W")
	}
	rows := append(append([]int(nil), latentRows...), biasRow)
	if voxels == nil {
		_, c := beta.Dims()
		voxels = make([]int, c)
		for j := range voxels {
			voxels[j] = j
		}
	}
	return Gather(beta, rows, voxels)
}
