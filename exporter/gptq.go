package main

import (
	"fmt"

	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"fmriface/bundle/quant"
)

// gptqBlock is how many rows are quantized before their errors are passed
// on to the remaining rows in one matrix product.
const gptqBlock = 128

// gptqDamp is the damping added to xᵀx, relative to its mean diagonal.
const gptqDamp = 0.001

// gptq returns the matrix d (rows × cols, row-major) as stored in kind k,
// rounded so that x·d changes as little as possible for the given inputs x
// (n × rows, row-major): each row is quantized in turn and its rounding
// error is compensated on the rows not yet quantized, weighted by the
// inverse of xᵀx (GPTQ: Frantar, Ashkboos, Hoefler & Alistarh 2022, "GPTQ:
// Accurate post-training quantization for generative pre-trained
// transformers"; Optimal Brain Quantization with a fixed order).
//
// A decoder's inputs are the patterns the site decodes with it (the test
// patterns, their fewer-trial averages, the imagery pattern): about a
// hundred per subject against 1,500–4,900 voxel rows, so the errors can be
// moved out of the directions those patterns span almost entirely. Other
// patterns see the plain rounding error of kind k.
func gptq(k quant.Kind, d []float32, rows, cols int, x []float32) ([]float32, error) {
	if rows <= 0 || cols <= 0 || len(d) != rows*cols || len(x)%rows != 0 {
		return nil, fmt.Errorf("gptq: %d values for %d×%d, %d inputs", len(d), rows, cols, len(x))
	}
	g, err := newGPTQ(rows, x)
	if err != nil {
		return nil, err
	}
	return g.round(k, d, cols, 0)
}

// gptqFactor is the part of GPTQ that depends on the inputs alone (the
// factor U of (xᵀx)⁻¹), kept so that one decoder can be rounded in several
// encodings at the cost of one factorization.
type gptqFactor struct {
	rows int
	u    blas64.Triangular
}

// newGPTQ factors the inputs x (n × rows, row-major) of a matrix of rows
// rows.
func newGPTQ(rows int, x []float32) (*gptqFactor, error) {
	if rows <= 0 || len(x)%rows != 0 {
		return nil, fmt.Errorf("gptq: %d inputs for %d rows", len(x), rows)
	}
	n := len(x) / rows
	// H = xᵀx, damped by gptqDamp of its mean diagonal (GPTQ uses 1 %) so that it
	// is invertible when n < rows; a row no input reads gets weight 1.
	xm := mat.NewDense(n, rows, f64(x))
	h := mat.NewSymDense(rows, nil)
	h.SymRankK(h, 1, xm.T())
	mean := 0.0
	for i := range rows {
		mean += h.At(i, i)
	}
	mean /= float64(rows)
	if mean == 0 {
		mean = 1
	}
	for i := range rows {
		v := h.At(i, i)
		if v == 0 {
			v = 1
		}
		h.SetSym(i, i, v+gptqDamp*mean)
	}
	var ch mat.Cholesky
	if !ch.Factorize(h) {
		return nil, fmt.Errorf("gptq: xᵀx + damping is not positive definite")
	}
	var hinv mat.SymDense
	if err := ch.InverseTo(&hinv); err != nil {
		return nil, fmt.Errorf("gptq: invert xᵀx: %w", err)
	}
	// U, upper triangular with Uᵀ U = H⁻¹: row i of U carries row i's error
	// to the rows after it.
	if !ch.Factorize(&hinv) {
		return nil, fmt.Errorf("gptq: (xᵀx)⁻¹ is not positive definite")
	}
	var ut mat.TriDense
	ch.UTo(&ut)
	return &gptqFactor{rows: rows, u: ut.RawTriangular()}, nil
}

// round is gptq with the factored inputs; floor, where > 0, is the scale
// floor of every row (quant.EncodeFloor): a uniform grid of that step over
// the whole matrix.
func (g *gptqFactor) round(k quant.Kind, d []float32, cols int, floor float32) ([]float32, error) {
	rows, u := g.rows, g.u // u: row-major upper triangle, row i from column i on
	if cols <= 0 || len(d) != rows*cols {
		return nil, fmt.Errorf("gptq: %d values for %d×%d", len(d), rows, cols)
	}
	w := mat.NewDense(rows, cols, f64(d))
	out := make([]float32, rows*cols)
	row := make([]float32, cols)
	errs := mat.NewDense(gptqBlock, cols, nil)
	for b0 := 0; b0 < rows; b0 += gptqBlock {
		b1 := min(b0+gptqBlock, rows)
		for i := b0; i < b1; i++ {
			wi := w.RawRowView(i)
			for j, v := range wi {
				row[j] = float32(v)
			}
			q, err := quant.RoundTripFloor(k, []int{1, cols}, row, []float32{floor})
			if err != nil {
				return nil, fmt.Errorf("gptq: row %d: %w", i, err)
			}
			copy(out[i*cols:], q)
			e := errs.RawRowView(i - b0)
			ui := u.Data[i*u.Stride : i*u.Stride+rows] // ui[r] = U[i][r]
			for j := range e {
				e[j] = (wi[j] - float64(q[j])) / ui[i]
			}
			for r := i + 1; r < b1; r++ {
				if c := ui[r]; c != 0 {
					wr := w.RawRowView(r)
					for j, v := range e {
						wr[j] -= c * v
					}
				}
			}
		}
		if b1 == rows {
			break
		}
		// The block's errors, to every later row at once:
		// W[b1:] −= U[b0:b1, b1:]ᵀ · E.
		rest := w.Slice(b1, rows, 0, cols).(*mat.Dense)
		var ub mat.Dense // U[b0:b1, b1:], a view of the triangle
		ub.SetRawMatrix(blas64.General{Rows: b1 - b0, Cols: rows - b1, Stride: u.Stride, Data: u.Data[b0*u.Stride+b1:]})
		var upd mat.Dense
		upd.Mul(ub.T(), errs.Slice(0, b1-b0, 0, cols))
		rest.Sub(rest, &upd)
	}
	return out, nil
}

func f64(v []float32) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = float64(x)
	}
	return out
}
