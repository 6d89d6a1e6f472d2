package corr

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// The implementations this package replaced, frozen as they were (commit
// 1b4d9b1: neuro/score/metrics.go, face/metrics/corr.go, wasm/app/stats.go;
// commit 7a9a277: neuro/mvpa/classifiers.go), to prove that every caller's
// results are unchanged bit for bit: the exporter's export report and site
// data depend on the first, reports/haxby on the last.

func legacyScorePearson(a, b []float64) float64 {
	n := len(a)
	if n == 0 || len(b) != n {
		return math.NaN()
	}
	var ma, mb float64
	for i := range a {
		ma += a[i]
		mb += b[i]
	}
	ma /= float64(n)
	mb /= float64(n)
	var sab, saa, sbb float64
	for i := range a {
		da, db := a[i]-ma, b[i]-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	if saa == 0 || sbb == 0 {
		return math.NaN()
	}
	return sab / math.Sqrt(saa*sbb)
}

func legacyScoreWins(r [][]float64) []int {
	wins := make([]int, len(r))
	for i, row := range r {
		for j, v := range row {
			if j != i && row[i] > v {
				wins[i]++
			}
		}
	}
	return wins
}

func legacyFacePearson(a, b []float32) float64 {
	if len(a) < 2 {
		return math.NaN()
	}
	var ma, mb float64
	for i := range a {
		ma += float64(a[i])
		mb += float64(b[i])
	}
	ma /= float64(len(a))
	mb /= float64(len(b))
	var sab, saa, sbb float64
	for i := range a {
		da, db := float64(a[i])-ma, float64(b[i])-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	if saa == 0 || sbb == 0 {
		return math.NaN()
	}
	return math.Max(-1, math.Min(1, sab/math.Sqrt(saa*sbb)))
}

func legacyFaceStandardize(x []float32, n, d int) []float64 {
	out := make([]float64, n*d)
	for i := range n {
		row := x[i*d : (i+1)*d]
		dst := out[i*d : (i+1)*d]
		var m float64
		for _, v := range row {
			m += float64(v)
		}
		m /= float64(d)
		var ss float64
		for j, v := range row {
			dst[j] = float64(v) - m
			ss += dst[j] * dst[j]
		}
		s := 1 / math.Sqrt(ss)
		for j := range dst {
			dst[j] *= s
		}
	}
	return out
}

func legacyFaceIdentification(corr []float64, n int) float64 {
	if n < 2 {
		return math.NaN()
	}
	wins := 0
	for i := range n {
		row := corr[i*n : (i+1)*n]
		for j, v := range row {
			if j != i && row[i] > v {
				wins++
			}
		}
	}
	return float64(wins) / float64(n*(n-1))
}

func legacyFaceRecognition(corr []float64, n int) float64 {
	if n < 1 {
		return math.NaN()
	}
	hits := 0
	for i := range n {
		row := corr[i*n : (i+1)*n]
		ok := !math.IsNaN(row[i])
		for j, v := range row {
			if j != i && !(row[i] > v) {
				ok = false
				break
			}
		}
		if ok {
			hits++
		}
	}
	return float64(hits) / float64(n)
}

func legacyAppPearson(a, b []float32) float64 {
	n := len(a)
	if n == 0 || len(b) != n {
		return 0
	}
	var ma, mb float64
	for i := range a {
		ma += float64(a[i])
		mb += float64(b[i])
	}
	ma /= float64(n)
	mb /= float64(n)
	var sab, saa, sbb float64
	for i := range a {
		da, db := float64(a[i])-ma, float64(b[i])-mb
		sab += da * db
		saa += da * da
		sbb += db * db
	}
	if saa == 0 || sbb == 0 {
		return 0
	}
	return sab / math.Sqrt(saa*sbb)
}

func legacyAppPairwise(r []float64, n int, perFace []int) (correct, total int) {
	for i := range n {
		c := 0
		for j := range n {
			if j != i && r[i*n+i] > r[i*n+j] {
				c++
			}
		}
		if perFace != nil {
			perFace[i] = c
		}
		correct += c
	}
	return correct, n * (n - 1)
}

func legacyMVPAPearson(x, y []float64) float64 {
	n := float64(len(x))
	var mx, my float64
	for i := range x {
		mx += x[i]
		my += y[i]
	}
	mx /= n
	my /= n
	var sxy, sxx, syy float64
	for i := range x {
		dx, dy := x[i]-mx, y[i]-my
		sxy += dx * dy
		sxx += dx * dx
		syy += dy * dy
	}
	if sxx == 0 || syy == 0 {
		return 0
	}
	return sxy / math.Sqrt(sxx*syy)
}

// legacyRows makes n rows of length d with the hard cases mixed in: constant
// rows, a NaN, an infinity, rows repeated (r rounds beyond ±1), negated and
// offset copies, and values of very different scales.
func legacyRows(rng *rand.Rand, n, d int) [][]float64 {
	rows := make([][]float64, n)
	for i := range rows {
		rows[i] = make([]float64, d)
		scale := math.Pow(10, float64(rng.IntN(13)-6))
		for j := range rows[i] {
			rows[i][j] = float64(float32(scale * rng.NormFloat64())) // float32-exact
		}
		switch {
		case i%7 == 3:
			for j := range rows[i] {
				rows[i][j] = 0.1
			}
		case i%7 == 5 && i > 0:
			for j := range rows[i] {
				rows[i][j] = float64(float32(-3*rows[i-1][j] + 1e3))
			}
		case i%7 == 6:
			copy(rows[i], rows[i-1])
		case i == 9 && d > 2:
			rows[i][1] = math.NaN()
		case i == 11 && d > 2:
			rows[i][2] = math.Inf(-1)
		}
	}
	return rows
}

func same(a, b float64) bool { return math.Float64bits(a) == math.Float64bits(b) }

func TestBitIdenticalToLegacy(t *testing.T) {
	rng := rand.New(rand.NewPCG(2019, 19))
	checked := 0
	for _, d := range []int{1, 2, 3, 7, 64, 512, 1024, 4099} {
		n := 14
		if d > 1000 {
			n = 8
		}
		a, b := legacyRows(rng, n, d), legacyRows(rng, n, d)
		copy(b[0], a[0]) // r(a₀, b₀) may round beyond 1
		for j := range b[1] {
			b[1][j] = -a[1][j]
		}
		// neuro/score (the exporter path): Pearson, CorrMatrix, the wins.
		r := Matrix(a, b)
		legacyR := make([][]float64, n)
		for i := range a {
			legacyR[i] = make([]float64, n)
			for j := range b {
				legacyR[i][j] = legacyScorePearson(a[i], b[j])
				if !same(r[i][j], legacyR[i][j]) || !same(Pearson(a[i], b[j]), legacyR[i][j]) {
					t.Fatalf("d=%d [%d][%d]: %v, neuro/score gave %v", d, i, j, r[i][j], legacyR[i][j])
				}
				// neuro/mvpa (reports/haxby): 0 where undefined.
				if got, want := PearsonOr(a[i], b[j], 0), legacyMVPAPearson(a[i], b[j]); !same(got, want) {
					t.Fatalf("d=%d [%d][%d]: %v, neuro/mvpa gave %v", d, i, j, got, want)
				}
				checked++
			}
		}
		lw := legacyScoreWins(legacyR)
		for i, row := range r {
			if Wins(row, i) != lw[i] {
				t.Fatalf("d=%d row %d: %d wins, neuro/score counted %d", d, i, Wins(row, i), lw[i])
			}
		}
		// wasm/app: float32 rows, 0 where undefined, flat matrix, pairwise.
		fa, fb := to32(flat(a)), to32(flat(b))
		appR := make([]float64, n*n)
		MatrixInto(appR, fa, fb, d, 0)
		legacyAppR := make([]float64, n*n)
		for i := range n {
			for j := range n {
				legacyAppR[i*n+j] = legacyAppPearson(fa[i*d:(i+1)*d], fb[j*d:(j+1)*d])
				if !same(appR[i*n+j], legacyAppR[i*n+j]) {
					t.Fatalf("d=%d app [%d][%d]: %v, wasm/app gave %v", d, i, j, appR[i*n+j], legacyAppR[i*n+j])
				}
				if d >= 2 { // face/metrics.Pearson = Clamp(Pearson) for its lengths ≥ 2
					got, want := Clamp(Pearson(fa[i*d:(i+1)*d], fb[j*d:(j+1)*d])), legacyFacePearson(fa[i*d:(i+1)*d], fb[j*d:(j+1)*d])
					if !same(got, want) {
						t.Fatalf("d=%d face [%d][%d]: %v, face/metrics gave %v", d, i, j, got, want)
					}
				}
			}
		}
		per, legacyPer := make([]int, n), make([]int, n)
		c, tot := Pairwise(appR, n, per)
		lc, ltot := legacyAppPairwise(appR, n, legacyPer)
		if c != lc || tot != ltot || !slices.Equal(per, legacyPer) {
			t.Fatalf("d=%d: Pairwise %d/%d %v, wasm/app gave %d/%d %v", d, c, tot, per, lc, ltot, legacyPer)
		}
		// face/metrics: the standardisation behind its GEMM correlation
		// matrix, identification and recognition.
		s := make([]float64, n*d)
		Standardize(s, fa, n, d)
		for i, v := range legacyFaceStandardize(fa, n, d) {
			if !same(s[i], v) {
				t.Fatalf("d=%d: standardized value %d is %v, face/metrics gave %v", d, i, s[i], v)
			}
		}
		for _, m := range [][]float64{appR, flat(legacyR)} {
			wins, _ := Pairwise(m, n, per)
			recognised := 0
			for i := range n {
				if per[i] == n-1 && !math.IsNaN(m[i*n+i]) {
					recognised++
				}
			}
			if got, want := float64(wins)/float64(n*(n-1)), legacyFaceIdentification(m, n); !same(got, want) {
				t.Fatalf("d=%d: identification %v, face/metrics gave %v", d, got, want)
			}
			if got, want := float64(recognised)/float64(n), legacyFaceRecognition(m, n); !same(got, want) {
				t.Fatalf("d=%d: recognition %v, face/metrics gave %v", d, got, want)
			}
		}
	}
	t.Logf("%d correlations bit-identical", checked)
}
