package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
)

// benchShapes are the TOOLCHAIN reference product and the generator's real
// products (deconv: M = Cout·K·K, N = H·W, K = Cin; fc: a 1×Out row vector).
var benchShapes = []struct {
	name    string
	m, n, k int
}{
	{"ref_1024x128x1152", 1024, 128, 1152},
	{"default_fc_1x4096x1024", 1, 4096, 1024},
	{"default_deconv1_1152x16x256", 1152, 16, 256},
	{"default_deconv2_576x64x128", 576, 64, 128},
	{"default_deconv3_288x256x64", 288, 256, 64},
	{"default_deconv4_27x1024x32", 27, 1024, 32},
	{"paper_fc_1x16384x1024", 1, 16384, 1024},
	{"paper_deconv1_4608x16x1024", 4608, 16, 1024},
	{"paper_deconv2_3456x64x512", 3456, 64, 512},
	{"paper_deconv3_2304x256x384", 2304, 256, 384},
	{"paper_deconv4_1728x1024x256", 1728, 1024, 256},
	{"paper_deconv5_27x4096x192", 27, 4096, 192},
}

func BenchmarkMul(b *testing.B) {
	r := rand.New(rand.NewPCG(5, 6))
	for _, s := range benchShapes {
		a, bm, c := randSlice(r, s.m*s.k), randSlice(r, s.k*s.n), make([]float32, s.m*s.n)
		flops := 2 * float64(s.m) * float64(s.n) * float64(s.k)
		b.Run(fmt.Sprintf("%s/gemm", s.name), func(b *testing.B) {
			var w Workspace
			w.Reserve(s.m, s.n, s.k)
			for b.Loop() {
				w.Mul(s.m, s.n, s.k, a, s.k, false, bm, s.n, false, c, s.n, false)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
		b.Run(fmt.Sprintf("%s/gonum", s.name), func(b *testing.B) {
			ga := blas32.General{Rows: s.m, Cols: s.k, Stride: s.k, Data: a}
			gb := blas32.General{Rows: s.k, Cols: s.n, Stride: s.n, Data: bm}
			gc := blas32.General{Rows: s.m, Cols: s.n, Stride: s.n, Data: c}
			for b.Loop() {
				blas32.Gemm(blas.NoTrans, blas.NoTrans, 1, ga, gb, 0, gc)
			}
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}
