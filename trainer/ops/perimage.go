package ops

import (
	"runtime"
	"sync"
)

// The convolutions of layers with at least perImageMin pixels per image run
// image by image: lower one image into a scratch matrix of its own (rows ×
// pixels, about a megabyte for the default model), multiply, and move on.
// Lowering the whole batch first wrote a matrix of up to 75 MB that the
// products then read back from memory; per image it stays in cache, is
// lowered again where a second op needs it (cheaper than keeping it), and no
// batch-sized buffer is allocated or zeroed.

// eachImage runs f(b, scratch) for the n images of a batch on up to
// GOMAXPROCS goroutines. Each goroutine has one scratch slice of the given
// length, zeroed once and handed to every image it runs: a lowering leaves the
// padding positions it never writes at zero for the next image.
func eachImage(n, scratch int, f func(b int, buf []float32)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	var wg sync.WaitGroup
	for wk := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]float32, scratch)
			for b := wk; b < n; b += workers {
				f(b, buf)
			}
		}()
	}
	wg.Wait()
}

// eachImageSum is eachImage for a sum over the batch: f adds image b's term
// into acc, scaled onto what acc holds by beta (0 for a goroutine's first
// image, whose acc is not yet written; 1 after). The goroutines' partial sums
// are added into out (len(out) values), which needs no zeroing.
func eachImageSum(n, scratch int, out []float32, f func(b int, buf, acc []float32, beta float32)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	partial := make([][]float32, workers)
	var wg sync.WaitGroup
	for wk := range workers {
		acc := out
		if wk > 0 {
			acc = make([]float32, len(out))
		}
		partial[wk] = acc
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]float32, scratch)
			beta := float32(0)
			for b := wk; b < n; b += workers {
				f(b, buf, acc, beta)
				beta = 1
			}
		}()
	}
	wg.Wait()
	for _, p := range partial[1:] {
		for i, v := range p {
			out[i] += v
		}
	}
}
