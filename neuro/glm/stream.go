package glm

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"
)

// Stream fits a Design run by run, for data too large to hold at once
// (a subject at the real study's scale: about 19,500 scans × 110,000
// voxels, 17 GB as float64). Because the nuisance columns are block-diagonal
// by run, each run's data can be residualized on its own (Frisch–Waugh–
// Lovell, as in Residualize) and its contribution to the cross-products
// XᵀY and yᵀy added; Result then gives exactly the Fit of the whole design.
// Memory: p × V for XᵀY (plus e × V for the extra columns), the design,
// and one run's data at a time.
type Stream struct {
	d     *Design
	x     *mat.Dense   // residualized task columns, n × p
	extra *mat.Dense   // residualized extra columns, n × e (nil: none)
	q     []*mat.Dense // per run, an orthonormal basis of its nuisance (nil: none)
	lost  int
	frac  []float64
	h     *mat.Dense // p × V: Σ runs XᵣᵀYᵣ
	he    *mat.Dense // e × V: Σ runs EᵣᵀYᵣ
	yy    []float64  // per voxel, Σ runs ‖Yᵣ‖² after the projection
	added []bool
	v     int
}

// NewStream starts a streamed fit of the design to v voxels. extra, when
// not nil, are further columns (n × e) already residualized on the same
// nuisance, whose cross-products with the data are accumulated alongside
// (ExtraCross): e.g. the split test regressors of a second design that
// shares the nuisance.
func (d *Design) NewStream(v int, extra *mat.Dense) (*Stream, error) {
	if v <= 0 {
		return nil, fmt.Errorf("glm: stream of %d voxels", v)
	}
	X, lost, frac, err := d.Residualize(nil)
	if err != nil {
		return nil, err
	}
	n, p := X.Dims()
	s := &Stream{d: d, x: X, lost: lost, frac: frac, h: mat.NewDense(p, v, nil), yy: make([]float64, v),
		added: make([]bool, len(d.Runs)), v: v}
	if extra != nil {
		ne, e := extra.Dims()
		if ne != n {
			return nil, fmt.Errorf("glm: extra columns have %d rows, the design %d scans", ne, n)
		}
		s.extra, s.he = extra, mat.NewDense(e, v, nil)
	}
	for i, r := range d.Runs {
		Q, err := nuisanceBasis(i, r)
		if err != nil {
			return nil, err
		}
		s.q = append(s.q, Q)
	}
	return s, nil
}

// AddRun adds run i's data Y (its scans × V, in design order); Y is
// overwritten by its residual after the run's nuisance projection.
func (s *Stream) AddRun(i int, Y *mat.Dense) error {
	if i < 0 || i >= len(s.d.Runs) {
		return fmt.Errorf("glm: run %d of a design with %d runs", i+1, len(s.d.Runs))
	}
	if s.added[i] {
		return fmt.Errorf("glm: run %d added twice", i+1)
	}
	r := s.d.Runs[i]
	ny, v := Y.Dims()
	if ny != r.End-r.Start || v != s.v {
		return fmt.Errorf("glm: run %d data is %d × %d, want %d scans × %d voxels", i+1, ny, v, r.End-r.Start, s.v)
	}
	if s.q[i] != nil {
		project(s.q[i], Y)
	}
	_, p := s.x.Dims()
	xr := s.x.Slice(r.Start, r.End, 0, p).(*mat.Dense)
	blas64.Gemm(blas.Trans, blas.NoTrans, 1, xr.RawMatrix(), Y.RawMatrix(), 1, s.h.RawMatrix())
	if s.extra != nil {
		_, e := s.extra.Dims()
		er := s.extra.Slice(r.Start, r.End, 0, e).(*mat.Dense)
		blas64.Gemm(blas.Trans, blas.NoTrans, 1, er.RawMatrix(), Y.RawMatrix(), 1, s.he.RawMatrix())
	}
	for k, x := range colSumSq(Y) {
		s.yy[k] += x
	}
	s.added[i] = true
	return nil
}

// X returns the residualized task columns (n × p), as Residualize does.
func (s *Stream) X() *mat.Dense { return s.x }

// ExtraCross returns Σ EᵣᵀYᵣ (e × V) of the extra columns (nil without).
func (s *Stream) ExtraCross() *mat.Dense { return s.he }

// Result finishes the fit once every run is added: the same Result as
// Design.Fit on all the runs at once. The stream's XᵀY becomes the
// result's Beta, so the stream is spent.
func (s *Stream) Result(opt FitOptions) (*Result, error) {
	if s.h == nil {
		return nil, fmt.Errorf("glm: stream already finished")
	}
	for i, ok := range s.added {
		if !ok {
			return nil, fmt.Errorf("glm: run %d of %d was never added", i+1, len(s.added))
		}
	}
	n, p := s.x.Dims()
	if opt.Names == nil {
		opt.Names = s.d.TaskNames
	}
	if len(opt.Names) != p {
		return nil, fmt.Errorf("glm: %d column names for %d columns", len(opt.Names), p)
	}
	if opt.Ridge < 0 || math.IsNaN(opt.Ridge) || math.IsInf(opt.Ridge, 0) {
		return nil, fmt.Errorf("glm: ridge penalty must be finite and ≥ 0, got %v", opt.Ridge)
	}
	dof := n - p - s.lost
	if dof <= 0 && opt.Ridge == 0 {
		return nil, fmt.Errorf("glm: %d scans are too few for %d columns (%d nuisance)", n, p, s.lost)
	}
	h := s.h
	s.h = nil
	return fitCross(s.x, h, s.yy, opt.Names, opt, dof, s.frac)
}
