package lab

import (
	"fmt"
	"math"

	"fmriface/infer/gemm"
)

// Tile sizes of the products: one tile is at most tileMN² × tileK
// multiply-adds (2 M, about a millisecond under WebAssembly).
const (
	tileMN = 128
	tileK  = 128
)

// mulOp is C = op(A)·op(B) (C is m × n, row-major, leading dimension n),
// computed one tile at a time so that the browser can draw frames between
// tiles. C must be zero before the first tile; tiles accumulate.
type mulOp struct {
	m, n, k int
	a       []float32
	lda     int
	ta      bool
	b       []float32
	ldb     int
	tb      bool
	c       []float32
	// aTri and bTri say that op(A) or op(B) is triangular, so that tiles
	// of zeros are skipped; sym computes only C's lower triangle (C is
	// symmetric, and its readers read only that).
	aTri, bTri tri
	sym        bool
	list       []int32 // the tiles to compute
}

// tri is the shape of a matrix.
type tri uint8

const (
	full  tri = iota
	upper     // zero below the diagonal
	lower     // zero above the diagonal
)

// zero reports whether the block rows [r0, r1) × columns [c0, c1) of a
// matrix of shape t holds only zeros.
func (t tri) zero(r0, r1, c0, c1 int) bool {
	switch t {
	case upper:
		return c1-1 < r0
	case lower:
		return c0 > r1-1
	}
	return false
}

func (o *mulOp) grid() (gm, gn, gk int) {
	return (o.m + tileMN - 1) / tileMN, (o.n + tileMN - 1) / tileMN, (o.k + tileK - 1) / tileK
}

// tiles is the number of steps of the product.
func (o *mulOp) tiles() int {
	if o.list != nil {
		return len(o.list)
	}
	gm, gn, gk := o.grid()
	o.list = make([]int32, 0, gm*gn*gk)
	for ib := 0; ib < gm; ib++ {
		i0, i1 := ib*tileMN, min(o.m, (ib+1)*tileMN)
		for jb := 0; jb < gn; jb++ {
			if o.sym && jb > ib {
				continue
			}
			j0, j1 := jb*tileMN, min(o.n, (jb+1)*tileMN)
			for kb := 0; kb < gk; kb++ {
				k0, k1 := kb*tileK, min(o.k, (kb+1)*tileK)
				if o.aTri.zero(i0, i1, k0, k1) || o.bTri.zero(k0, k1, j0, j1) {
					continue
				}
				o.list = append(o.list, int32((ib*gn+jb)*gk+kb))
			}
		}
	}
	return len(o.list)
}

// step computes tile t: a block of C over one chunk of the inner dimension.
// A symmetric product's diagonal tiles are computed whole.
func (o *mulOp) step(ws *gemm.Workspace, t int) {
	o.tiles()
	_, gn, gk := o.grid()
	t = int(o.list[t])
	kb := t % gk
	t /= gk
	jb, ib := t%gn, t/gn
	i0, j0, k0 := ib*tileMN, jb*tileMN, kb*tileK
	mm, nn, kk := min(tileMN, o.m-i0), min(tileMN, o.n-j0), min(tileK, o.k-k0)
	var a, b []float32
	if o.ta { // A stored k × m
		a = o.a[k0*o.lda+i0:]
	} else {
		a = o.a[i0*o.lda+k0:]
	}
	if o.tb { // B stored n × k
		b = o.b[j0*o.ldb+k0:]
	} else {
		b = o.b[k0*o.ldb+j0:]
	}
	ws.Mul(mm, nn, kk, a, o.lda, o.ta, b, o.ldb, o.tb, o.c[i0*o.n+j0:], o.n, true)
}

// cholColumn does column j of the in-place lower Cholesky factorisation of
// the p × p row-major matrix a (left-looking: columns before j are done).
// The strict upper triangle is left as it was. what names the matrix in the
// error.
func cholColumn(a []float64, p, j int, what string) error {
	rj := a[j*p : j*p+j]
	s := a[j*p+j] - dot(rj, rj)
	if !(s > 0) || math.IsNaN(s) {
		return fmt.Errorf("lab: %s is not positive definite (pivot %d of %d is %.3g)", what, j, p, s)
	}
	d := math.Sqrt(s)
	a[j*p+j] = d
	for i := j + 1; i < p; i++ {
		a[i*p+j] = (a[i*p+j] - dot(a[i*p:i*p+j], rj)) / d
	}
	return nil
}

// dot is Σ x[k]·y[k] over len(x) ≤ len(y), in four interleaved partial
// sums (the same order on every platform, so that native and WebAssembly
// runs agree bit for bit): the scalar loops of the factorisations run about
// twice as fast as with one sum, under WebAssembly most.
func dot(x, y []float64) float64 {
	y = y[:len(x)]
	var s0, s1, s2, s3 float64
	k := 0
	for ; k+4 <= len(x); k += 4 {
		xs, ys := x[k:k+4:k+4], y[k:k+4:k+4]
		s0 += xs[0] * ys[0]
		s1 += xs[1] * ys[1]
		s2 += xs[2] * ys[2]
		s3 += xs[3] * ys[3]
	}
	for ; k < len(x); k++ {
		s0 += x[k] * y[k]
	}
	return (s0 + s1) + (s2 + s3)
}

// invLowerColumn writes column j of L⁻¹ (L lower triangular, p × p,
// row-major) as row j of u, so that u = L⁻ᵀ (upper triangular).
func invLowerColumn(l []float64, p, j int, u []float64) {
	x := u[j*p : (j+1)*p]
	clear(x[:j])
	for i := j; i < p; i++ {
		var s float64
		if i == j {
			s = 1
		}
		s -= dot(l[i*p+j:i*p+i], x[j:i])
		x[i] = s / l[i*p+i]
	}
}

// cholSolve solves (L Lᵀ) x = b in place for one right-hand side.
func cholSolve(l []float64, p int, b []float64) {
	for i := 0; i < p; i++ {
		b[i] = (b[i] - dot(l[i*p:i*p+i], b)) / l[i*p+i]
	}
	for i := p - 1; i >= 0; i-- {
		s := b[i]
		for k := i + 1; k < p; k++ {
			s -= l[k*p+i] * b[k]
		}
		b[i] = s / l[i*p+i]
	}
}

func to32(dst []float32, src []float64) {
	for i, x := range src {
		dst[i] = float32(x)
	}
}

func to64(dst []float64, src []float32) {
	for i, x := range src {
		dst[i] = float64(x)
	}
}
