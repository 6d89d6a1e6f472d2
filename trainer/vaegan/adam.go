package vaegan

import "math"

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
	for i, name := range names {
		p, g := w[name], grads[i]
		m, v := a.M[name], a.V[name]
		if m == nil {
			m, v = make([]float32, len(p)), make([]float32, len(p))
			a.M[name], a.V[name] = m, v
		}
		for j, gj := range g {
			m[j] = b1*m[j] + (1-b1)*gj
			v[j] = b2*v[j] + (1-b2)*gj*gj
			p[j] -= lr * m[j] / (sqrt32(v[j]) + eps)
		}
	}
}

func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }
