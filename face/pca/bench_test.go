package pca

import (
	"bufio"
	"math/rand/v2"
	"os"
	"runtime"
	"strconv"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"

	"fmriface/face/celeba"
)

// Full-size fits (CelebA subset at 64×64, K = 1024). They take minutes and
// about 1 GB on top of the data; run them on their own:
//
//	nice -n 10 go test -run XXX -bench FitCelebASize -benchtime 1x ./face/pca/
//	nice -n 10 go test -run XXX -bench FitRealFaces -benchtime 1x ./face/pca/
//
// Each reports seconds per fit, the bytes Fit allocates (B/op) and the
// process's peak resident memory during the fit (VmHWM after resetting it:
// the input data and not yet collected garbage are included).

const (
	celebaN = 13461
	celebaD = 3 * 64 * 64
	celebaK = 1024
)

func BenchmarkFitCelebASize(b *testing.B) {
	x := faceLike(celebaN, celebaD, 1)
	benchFit(b, x, celebaN, celebaD, celebaK)
}

func BenchmarkFitRealFaces(b *testing.B) {
	dir := "../../../shared/faces/celeba"
	if _, err := os.Stat(dir); err != nil {
		b.Skipf("no faces: %v", err)
	}
	ds, err := celeba.Load(celeba.Options{Dir: dir, Size: 64, CacheDir: "../../out/cache"})
	if err != nil {
		b.Fatal(err)
	}
	sp := celeba.SplitByPerson(ds.Faces, 1, celeba.DefaultValFrac, celeba.DefaultTestFrac)
	d := 3 * 64 * 64
	x := make([]float32, 0, len(sp.Train)*d)
	for _, i := range sp.Train {
		x = append(x, ds.Image(i)...)
	}
	ds = nil
	m := benchFit(b, x, len(sp.Train), d, celebaK)
	b.Logf("real faces: %d training images, %d components keep %.4f of the variance (first %.4g, last %.4g)",
		len(sp.Train), m.K, m.ExplainedRatio(), m.Explained[0], m.Explained[m.K-1])
}

func benchFit(b *testing.B, x []float32, n, d, k int) *Model {
	var m *Model
	b.ReportAllocs()
	runtime.GC()
	resetPeak()
	t0 := time.Now()
	for b.Loop() {
		var err error
		m, err = Fit(x, n, d, k, 1, Options{Progress: os.Stderr})
		if err != nil {
			b.Fatal(err)
		}
	}
	sec := time.Since(t0).Seconds() / float64(b.N)
	peak := peakRSS()
	b.ReportMetric(sec, "s/fit")
	b.ReportMetric(float64(peak)/(1<<20), "peak-MiB")
	b.ReportMetric(float64(len(x)*4)/(1<<20), "data-MiB")
	return m
}

// faceLike returns n rows in [0,1] with an image-like spectrum: 256 latent
// factors of decaying strength plus pixel noise.
func faceLike(n, d int, seed uint64) []float32 {
	const r = 256
	rng := rand.New(rand.NewPCG(seed, 2))
	basis := make([]float32, r*d)
	for i := range basis {
		basis[i] = float32(rng.NormFloat64())
	}
	z := make([]float32, n*r)
	for i := range z {
		z[i] = float32(rng.NormFloat64() * 0.02 / (1 + float64(i%r)/8))
	}
	x := make([]float32, n*d)
	for i := range x {
		x[i] = 0.5 + 0.01*float32(rng.NormFloat64())
	}
	blas32.Gemm(blas.NoTrans, blas.NoTrans, 1,
		blas32.General{Rows: n, Cols: r, Stride: r, Data: z},
		blas32.General{Rows: r, Cols: d, Stride: d, Data: basis}, 1,
		blas32.General{Rows: n, Cols: d, Stride: d, Data: x})
	for i, v := range x {
		x[i] = min(max(v, 0), 1)
	}
	return x
}

// resetPeak resets the kernel's peak-RSS counter (VmHWM) for this process.
func resetPeak() { _ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0) }

// peakRSS returns VmHWM in bytes (0 where /proc is missing).
func peakRSS() int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmHWM:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			return kb << 10
		}
	}
	return 0
}
