package vaegan

import (
	"math"
	"runtime"
	"sync"
)

// Adam is the optimiser, kept here rather than gorgonia's so that its moments
// can be checkpointed and a resumed run continues bit for bit.
type Adam struct {
	LR, Beta1, Beta2, Eps float64
	T                     int                  // number of updates done
	M, V                  map[string][]float32 // moments by parameter name
}

// NewAdam returns an optimiser with no history.
func NewAdam(lr, beta1 float64) *Adam {
	return &Adam{LR: lr, Beta1: beta1, Beta2: 0.999, Eps: 1e-8, M: map[string][]float32{}, V: map[string][]float32{}}
}

// Step updates each parameter w[name] in place with its gradient.
func (a *Adam) Step(w map[string][]float32, names []string, grads [][]float32) {
	a.T++
	c1 := 1 - math.Pow(a.Beta1, float64(a.T))
	c2 := 1 - math.Pow(a.Beta2, float64(a.T))
	lr := float32(a.LR * math.Sqrt(c2) / c1)
	b1, b2, eps := float32(a.Beta1), float32(a.Beta2), float32(a.Eps*math.Sqrt(c2))
	// The update is elementwise, so blocks of it run on all cores; each
	// element's arithmetic is the same whichever worker does it, so results
	// do not depend on GOMAXPROCS.
	type block struct{ p, g, m, v []float32 }
	const size = 1 << 15
	var blocks []block
	for i, name := range names {
		p, g := w[name], grads[i]
		m, v := a.M[name], a.V[name]
		if m == nil {
			m, v = make([]float32, len(p)), make([]float32, len(p))
			a.M[name], a.V[name] = m, v
		}
		for lo := 0; lo < len(g); lo += size {
			hi := min(lo+size, len(g))
			blocks = append(blocks, block{p[lo:hi], g[lo:hi], m[lo:hi], v[lo:hi]})
		}
	}
	update := func(bl block) {
		p, m, v := bl.p[:len(bl.g)], bl.m[:len(bl.g)], bl.v[:len(bl.g)]
		for j, gj := range bl.g {
			m[j] = b1*m[j] + (1-b1)*gj
			v[j] = b2*v[j] + (1-b2)*gj*gj
			p[j] -= lr * m[j] / (sqrt32(v[j]) + eps)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), len(blocks))
	var wg sync.WaitGroup
	for wk := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := wk; i < len(blocks); i += workers {
				update(blocks[i])
			}
		}()
	}
	wg.Wait()
}

func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }
