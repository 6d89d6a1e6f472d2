package gemm

import "fmt"

// Register tile of the micro-kernel and cache blocking. Go's wasm backend
// has 16 float32 registers and schedules all products of a loop body before
// the accumulating adds, so a 4×4 tile spills accumulators to memory on every
// step; 3×4 spills least. Measured under Node 20 on 1024×128×1152, best of
// interleaved runs, GFLOP/s: 3×4 5.6, 4×4 3.0, 4×2 4.0, 2×4 2.6, 4×3 3.2,
// 2×8 1.9; unsafe pointer loads instead of slices gained nothing.
// kc·nr and kc·mr panels stay in L1; an mc×kc block of A stays in L2.
const (
	mr = 3
	nr = 4
	kc = 256
	mc = 120
	nc = 2048
)

// Workspace holds the packing buffers of Mul. The zero value is ready to use;
// buffers grow on first use and are reused afterwards, so a Workspace must not
// be shared by concurrent calls.
type Workspace struct {
	packA []float32
	packB []float32
	edge  [mr * nr]float32
}

// Reserve sizes the packing buffers for products up to m×n×k so that the
// first Mul of that size does not allocate either.
func (w *Workspace) Reserve(m, n, k int) {
	kb := min(k, kc)
	w.growA(roundUp(min(m, mc), mr) * kb)
	w.growB(roundUp(min(n, nc), nr) * kb)
}

func (w *Workspace) growA(size int) {
	if cap(w.packA) < size {
		w.packA = make([]float32, size)
	}
	w.packA = w.packA[:size]
}

func (w *Workspace) growB(size int) {
	if cap(w.packB) < size {
		w.packB = make([]float32, size)
	}
	w.packB = w.packB[:size]
}

func roundUp(x, to int) int { return (x + to - 1) / to * to }

// Mul computes C = op(A)·op(B), or C += op(A)·op(B) when accumulate is set,
// for row-major matrices: C is m×n with row stride ldc, op(A) is m×k and
// op(B) is k×n. When transA is set A is stored k×m (so op(A) = Aᵀ), likewise
// for B. It panics if a slice is too short for its shape, like a slice index
// out of range: the shapes come from code, not from input.
func (w *Workspace) Mul(m, n, k int, a []float32, lda int, transA bool,
	b []float32, ldb int, transB bool, c []float32, ldc int, accumulate bool) {
	checkShape("A", a, lda, m, k, transA)
	checkShape("B", b, ldb, k, n, transB)
	checkShape("C", c, ldc, m, n, false)
	if m == 0 || n == 0 {
		return
	}
	if !accumulate {
		for i := 0; i < m; i++ {
			clear(c[i*ldc : i*ldc+n])
		}
	}
	if k == 0 {
		return
	}
	if m == 1 && !transB {
		// Row vector times matrix: packing B would read it twice.
		vecMat(n, k, a, lda, transA, b, ldb, c)
		return
	}
	for jc := 0; jc < n; jc += nc {
		nb := min(nc, n-jc)
		for pc := 0; pc < k; pc += kc {
			kb := min(kc, k-pc)
			w.growB(roundUp(nb, nr) * kb)
			packB(w.packB, b, ldb, transB, pc, jc, kb, nb)
			for ic := 0; ic < m; ic += mc {
				mb := min(mc, m-ic)
				w.growA(roundUp(mb, mr) * kb)
				packA(w.packA, a, lda, transA, ic, pc, mb, kb)
				w.macro(mb, nb, kb, c[ic*ldc+jc:], ldc)
			}
		}
	}
}

// Mul is Workspace.Mul with a throwaway workspace, for one-off products.
func Mul(m, n, k int, a []float32, lda int, transA bool,
	b []float32, ldb int, transB bool, c []float32, ldc int, accumulate bool) {
	var w Workspace
	w.Mul(m, n, k, a, lda, transA, b, ldb, transB, c, ldc, accumulate)
}

func checkShape(name string, x []float32, ld, rows, cols int, trans bool) {
	if trans {
		rows, cols = cols, rows
	}
	if rows < 0 || cols < 0 {
		panic(fmt.Sprintf("gemm: %s has negative shape %d×%d", name, rows, cols))
	}
	if rows == 0 || cols == 0 {
		return
	}
	if ld < cols {
		panic(fmt.Sprintf("gemm: %s stride %d < %d columns", name, ld, cols))
	}
	if need := (rows-1)*ld + cols; len(x) < need {
		panic(fmt.Sprintf("gemm: %s has %d elements, %d×%d with stride %d needs %d", name, len(x), rows, cols, ld, need))
	}
}

// packA copies op(A)[i0:i0+mb, p0:p0+kb] into panels of mr rows: for each
// panel, kb groups of mr values (one column of the panel each), zero-padded
// past the last row.
func packA(dst, a []float32, lda int, trans bool, i0, p0, mb, kb int) {
	for ip := 0; ip < mb; ip += mr {
		rows := min(mr, mb-ip)
		panel := dst[ip*kb : ip*kb+mr*kb]
		if trans {
			// op(A)[i][p] = a[p*lda+i]: the mr values of one group are contiguous.
			for p := 0; p < kb; p++ {
				src := a[(p0+p)*lda+i0+ip:]
				g := panel[p*mr : p*mr+mr : p*mr+mr]
				if rows == mr {
					g[0], g[1], g[2] = src[0], src[1], src[2]
					continue
				}
				for r := range mr {
					if r < rows {
						g[r] = src[r]
					} else {
						g[r] = 0
					}
				}
			}
			continue
		}
		for r := range mr {
			if r >= rows {
				for p := 0; p < kb; p++ {
					panel[p*mr+r] = 0
				}
				continue
			}
			src := a[(i0+ip+r)*lda+p0 : (i0+ip+r)*lda+p0+kb]
			for p, v := range src {
				panel[p*mr+r] = v
			}
		}
	}
}

// packB copies op(B)[p0:p0+kb, j0:j0+nb] into panels of nr columns: for each
// panel, kb groups of nr values (one row of the panel each), zero-padded past
// the last column.
func packB(dst, b []float32, ldb int, trans bool, p0, j0, kb, nb int) {
	for jp := 0; jp < nb; jp += nr {
		cols := min(nr, nb-jp)
		panel := dst[jp*kb : jp*kb+nr*kb]
		if !trans {
			for p := 0; p < kb; p++ {
				src := b[(p0+p)*ldb+j0+jp:]
				g := panel[p*nr : p*nr+nr : p*nr+nr]
				if cols == nr {
					g[0], g[1], g[2], g[3] = src[0], src[1], src[2], src[3]
					continue
				}
				for j := range nr {
					if j < cols {
						g[j] = src[j]
					} else {
						g[j] = 0
					}
				}
			}
			continue
		}
		// op(B)[p][j] = b[j*ldb+p].
		for j := range nr {
			if j >= cols {
				for p := 0; p < kb; p++ {
					panel[p*nr+j] = 0
				}
				continue
			}
			src := b[(j0+jp+j)*ldb+p0 : (j0+jp+j)*ldb+p0+kb]
			for p, v := range src {
				panel[p*nr+j] = v
			}
		}
	}
}

// macro multiplies the packed mb×kb block of A by the packed kb×nb block of B
// and adds the result into C.
func (w *Workspace) macro(mb, nb, kb int, c []float32, ldc int) {
	for jp := 0; jp < nb; jp += nr {
		bp := w.packB[jp*kb : jp*kb+nr*kb]
		cols := min(nr, nb-jp)
		for ip := 0; ip < mb; ip += mr {
			ap := w.packA[ip*kb : ip*kb+mr*kb]
			rows := min(mr, mb-ip)
			if rows == mr && cols == nr {
				kernel(ap, bp, c[ip*ldc+jp:], ldc)
				continue
			}
			// Ragged edge: compute a full tile into scratch, add the valid part.
			e := w.edge[:]
			clear(e)
			kernel(ap, bp, e, nr)
			for r := 0; r < rows; r++ {
				cr := c[(ip+r)*ldc+jp : (ip+r)*ldc+jp+cols]
				for j := range cr {
					cr[j] += e[r*nr+j]
				}
			}
		}
	}
}

// kernel adds the product of a packed mr×kb panel a and a packed kb×nr panel
// b to the 3×4 tile of c at stride ldc.
func kernel(a, b []float32, c []float32, ldc int) {
	var c00, c01, c02, c03 float32
	var c10, c11, c12, c13 float32
	var c20, c21, c22, c23 float32
	for len(a) >= 3 && len(b) >= 4 {
		b0, b1, b2, b3 := b[0], b[1], b[2], b[3]
		a0 := a[0]
		c00 += a0 * b0
		c01 += a0 * b1
		c02 += a0 * b2
		c03 += a0 * b3
		a1 := a[1]
		c10 += a1 * b0
		c11 += a1 * b1
		c12 += a1 * b2
		c13 += a1 * b3
		a2 := a[2]
		c20 += a2 * b0
		c21 += a2 * b1
		c22 += a2 * b2
		c23 += a2 * b3
		a = a[3:]
		b = b[4:]
	}
	r := c[:4:4]
	r[0] += c00
	r[1] += c01
	r[2] += c02
	r[3] += c03
	r = c[ldc : ldc+4 : ldc+4]
	r[0] += c10
	r[1] += c11
	r[2] += c12
	r[3] += c13
	r = c[2*ldc : 2*ldc+4 : 2*ldc+4]
	r[0] += c20
	r[1] += c21
	r[2] += c22
	r[3] += c23
}

// vecMat adds x·op(B) into y[:n] for a row vector x of length k (A's single
// row, or with transA its single column at stride lda) and B stored k×n.
// Eight rows of B go through y at a time, so y is loaded and stored once per
// eight multiply-adds (under Node: 8 rows 1.66 ms for 1×4096×1024, 4 rows
// 2.30 ms, 12 rows 2.01 ms, 16 rows 3.40 ms).
func vecMat(n, k int, x []float32, incx int, transA bool, b []float32, ldb int, y []float32) {
	if !transA {
		incx = 1
	}
	y = y[:n]
	p := 0
	for ; p+8 <= k; p += 8 {
		x0, x1, x2, x3 := x[p*incx], x[(p+1)*incx], x[(p+2)*incx], x[(p+3)*incx]
		x4, x5, x6, x7 := x[(p+4)*incx], x[(p+5)*incx], x[(p+6)*incx], x[(p+7)*incx]
		b0 := b[p*ldb:][:len(y)]
		b1 := b[(p+1)*ldb:][:len(y)]
		b2 := b[(p+2)*ldb:][:len(y)]
		b3 := b[(p+3)*ldb:][:len(y)]
		b4 := b[(p+4)*ldb:][:len(y)]
		b5 := b[(p+5)*ldb:][:len(y)]
		b6 := b[(p+6)*ldb:][:len(y)]
		b7 := b[(p+7)*ldb:][:len(y)]
		for j := range y {
			y[j] += x0*b0[j] + x1*b1[j] + x2*b2[j] + x3*b3[j] + x4*b4[j] + x5*b5[j] + x6*b6[j] + x7*b7[j]
		}
	}
	for ; p < k; p++ {
		xp := x[p*incx]
		bp := b[p*ldb:][:len(y)]
		for j := range y {
			y[j] += xp * bp[j]
		}
	}
}
