package mvpa

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
)

// ShuffleWithinRuns returns a copy of labels permuted independently within
// each run: every run keeps its own multiset of labels, as exchangeability
// under the null demands when samples of a run share drifts.
func ShuffleWithinRuns(labels, runs []int, rng *rand.Rand) []int {
	out := append([]int(nil), labels...)
	for _, r := range uniq(runs) {
		var idx []int
		for i, ri := range runs {
			if ri == r {
				idx = append(idx, i)
			}
		}
		rng.Shuffle(len(idx), func(a, b int) {
			out[idx[a]], out[idx[b]] = out[idx[b]], out[idx[a]]
		})
	}
	return out
}

// Null holds one classifier's statistics under permuted labels.
type Null struct {
	Accuracy []float64 // K-way accuracy per permutation
	Pairwise []float64 // overall pairwise accuracy per permutation
}

// PValue returns the permutation p-value (1 + #{null ≥ observed}) / (1 + n),
// which is never 0 and is exact for a test of size n.
func PValue(null []float64, observed float64) float64 {
	ge := 0
	for _, v := range null {
		if v >= observed-1e-12 {
			ge++
		}
	}
	return float64(1+ge) / float64(1+len(null))
}

// PermutationTest cross-validates every classifier on n label permutations
// (within runs, from a PCG generator seeded with seed; the same permutations
// for all classifiers) and returns their null distributions, in classifier
// order. Work is spread over up to workers goroutines (≤ 0: GOMAXPROCS); the
// result does not depend on it. tick, if not nil, is called once per
// finished permutation (from any goroutine).
func PermutationTest(d Data, cls []Classifier, n int, seed uint64, workers int, tick func()) ([]Null, error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	if n < 0 {
		return nil, fmt.Errorf("mvpa: %d permutations", n)
	}
	rng := rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
	perms := make([][]int, n)
	for i := range perms {
		perms[i] = ShuffleWithinRuns(d.Labels, d.Runs, rng)
	}
	out := make([]Null, len(cls))
	for c := range out {
		out[c] = Null{Accuracy: make([]float64, n), Pairwise: make([]float64, n)}
	}
	if workers <= 0 {
		workers = runtime.GOMAXPROCS(0)
	}
	workers = max(1, min(workers, n))
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		firstEr error
		next    = make(chan int)
	)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				for c, cl := range cls {
					r, err := crossValidate(d, cl, perms[i])
					if err != nil {
						mu.Lock()
						if firstEr == nil {
							firstEr = fmt.Errorf("permutation %d: %w", i+1, err)
						}
						mu.Unlock()
						continue
					}
					out[c].Accuracy[i] = Accuracy(r.Pred, perms[i])
					_, out[c].Pairwise[i] = Pairwise(r.Scores, perms[i], d.K)
				}
				if tick != nil {
					tick()
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	return out, firstEr
}
