// Command sklearn is the Go half of the least-squares benchmark against
// scikit-learn (see run.sh): it writes a synthetic problem X (n × p),
// Y (n × V) as .npy files, and fits them with glm.Fit, printing the time of
// the fit alone and the process's peak resident memory. bench.py does the
// same with numpy/scikit-learn on the same files, and compares the betas.
//
// Build with -tags netlib (and CGO_LDFLAGS=-lopenblas) to run gonum on
// OpenBLAS, as the project's commands do.
package main

import (
	"bufio"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"syscall"
	"time"

	"codeberg.org/sbinet/npyio"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/gonum/mat"

	"fmriface/neuro/glm"
)

func main() {
	dir := flag.String("dir", "", "folder for X.npy, Y.npy and the Go betas (required)")
	gen := flag.Bool("gen", false, "write a synthetic problem instead of fitting")
	n := flag.Int("n", 8000, "scans (rows), with -gen")
	p := flag.Int("p", 1025, "regressors (columns of X), with -gen")
	v := flag.Int("v", 5000, "voxels (columns of Y), with -gen")
	seed := flag.Uint64("seed", 1, "random seed, with -gen")
	reps := flag.Int("reps", 3, "fits to time; the fastest is reported (the machine is shared)")
	flag.Parse()
	if *dir == "" {
		fmt.Fprintln(os.Stderr, "sklearn: -dir is required")
		os.Exit(2)
	}
	var err error
	if *gen {
		err = generate(*dir, *n, *p, *v, *seed)
	} else {
		err = fitFiles(*dir, max(*reps, 1))
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "sklearn:", err)
		os.Exit(1)
	}
}

// generate writes X with a constant column and correlated regressors, and
// Y = X·B + noise.
func generate(dir string, n, p, v int, seed uint64) error {
	if n <= p || p < 2 || v < 1 || int64(n)*int64(v) > 1<<31 {
		return fmt.Errorf("bad sizes n=%d p=%d v=%d", n, p, v)
	}
	rng := rand.New(rand.NewPCG(seed, 42))
	X := mat.NewDense(n, p, nil)
	for i := 0; i < n; i++ {
		row := X.RawRowView(i)
		common := rng.NormFloat64()
		for j := range row {
			row[j] = rng.NormFloat64() + 0.3*common
		}
		row[p-1] = 1
	}
	B := mat.NewDense(p, v, nil)
	for i := 0; i < p; i++ {
		for j, r := 0, B.RawRowView(i); j < v; j++ {
			r[j] = 0.05 * rng.NormFloat64()
		}
	}
	Y := mat.NewDense(n, v, nil)
	Y.Mul(X, B)
	for i := 0; i < n; i++ {
		for j, r := 0, Y.RawRowView(i); j < v; j++ {
			r[j] += rng.NormFloat64()
		}
	}
	if err := writeNpy(filepath.Join(dir, "X.npy"), X); err != nil {
		return err
	}
	return writeNpy(filepath.Join(dir, "Y.npy"), Y)
}

func writeNpy(path string, m *mat.Dense) error {
	tmp := path + ".tmp"
	f, err := os.Create(tmp)
	if err != nil {
		return err
	}
	w := bufio.NewWriterSize(f, 1<<20)
	if err := npyio.Write(w, m); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return os.Rename(tmp, path)
}

func readNpy(path string) (*mat.Dense, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var m mat.Dense
	if err := npyio.Read(bufio.NewReaderSize(f, 1<<20), &m); err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return &m, nil
}

func fitFiles(dir string, reps int) error {
	t0 := time.Now()
	X, err := readNpy(filepath.Join(dir, "X.npy"))
	if err != nil {
		return err
	}
	Y, err := readNpy(filepath.Join(dir, "Y.npy"))
	if err != nil {
		return err
	}
	load := time.Since(t0)
	n, p := X.Dims()
	_, v := Y.Dims()
	var res *glm.Result
	fit := time.Duration(1<<63 - 1)
	for r := 0; r < reps; r++ {
		t1 := time.Now()
		res, err = glm.Fit(X, Y)
		if err != nil {
			return err
		}
		fit = min(fit, time.Since(t1))
	}
	var ru syscall.Rusage
	syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	blas := fmt.Sprintf("%T", blas64.Implementation())
	fmt.Printf("go glm.Fit (%s): n=%d p=%d V=%d load %.2f s, fit %.3f s (best of %d), peak RSS %.2f GB\n",
		blas, n, p, v, load.Seconds(), fit.Seconds(), reps, float64(ru.Maxrss)/1e6)
	return writeNpy(filepath.Join(dir, "B_go.npy"), res.Beta)
}
