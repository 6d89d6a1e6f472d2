package fold

import (
	"fmt"
	"math"
	"strings"

	"fmriface/infer/arch"
)

// GeneratorParams lists the folded generator's tensors in arch order:
// gen.fc.w (L, C0·s·s), gen.fc.b, then gen.deconvK.w (Cin, Cout, K, K) and
// gen.deconvK.b (Cout) for every transposed convolution.
func GeneratorParams(cfg arch.Config) []arch.Param {
	var ps []arch.Param
	for _, p := range cfg.Params() {
		if p.Net != "gen" || strings.Contains(p.Name, ".bn.") {
			continue
		}
		ps = append(ps, p)
		if strings.HasSuffix(p.Name, ".w") && strings.HasPrefix(p.Name, "gen.deconv") {
			b := strings.TrimSuffix(p.Name, ".w") + ".b"
			if !hasParam(cfg, b) { // a deconv followed by batch norm gains a bias
				ps = append(ps, arch.Param{Name: b, Net: "gen", Shape: []int{p.Shape[1]}})
			}
		}
	}
	return ps
}

func hasParam(cfg arch.Config, name string) bool {
	for _, p := range cfg.Params() {
		if p.Name == name {
			return true
		}
	}
	return false
}

// Generator returns the folded generator of cfg from params, keyed by
// arch.Param names (other entries are ignored; params is not modified). The
// arithmetic is done in float64 and rounded once to float32. It fails, naming
// the tensor, when one is missing, has the wrong size, holds a non-finite
// value, or when a variance is not above −eps.
func Generator(cfg arch.Config, params map[string][]float32) (map[string][]float32, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	for _, p := range cfg.Params() {
		if p.Net != "gen" {
			continue
		}
		if err := check(params, p); err != nil {
			return nil, err
		}
	}
	out := map[string][]float32{}
	for _, p := range GeneratorParams(cfg) {
		name := p.Name
		bnPrefix := strings.TrimSuffix(name, ".w") + ".bn."
		if strings.HasPrefix(name, "gen.deconv") && strings.HasSuffix(name, ".w") && hasParam(cfg, bnPrefix+"gamma") {
			w, b, err := foldDeconv(params[name], p.Shape, params[bnPrefix+"gamma"], params[bnPrefix+"beta"],
				params[bnPrefix+"mean"], params[bnPrefix+"var"], bnPrefix)
			if err != nil {
				return nil, err
			}
			out[name] = w
			out[strings.TrimSuffix(name, ".w")+".b"] = b
			continue
		}
		if _, done := out[name]; done {
			continue
		}
		out[name] = append([]float32(nil), params[name]...)
	}
	return out, nil
}

// foldDeconv scales output channel co of w (Cin, Cout, K, K) by
// gamma/sqrt(var+eps) and returns the bias beta − mean·scale.
func foldDeconv(w []float32, shape []int, gamma, beta, mean, variance []float32, bn string) ([]float32, []float32, error) {
	cin, cout, kk := shape[0], shape[1], shape[2]*shape[3]
	scale := make([]float64, cout)
	bias := make([]float32, cout)
	for co := range scale {
		v := float64(variance[co]) + arch.BNEpsilon
		if !(v > 0) {
			return nil, nil, fmt.Errorf("fold: %svar[%d] = %v: variance + eps must be positive", bn, co, variance[co])
		}
		scale[co] = float64(gamma[co]) / math.Sqrt(v)
		bias[co] = float32(float64(beta[co]) - float64(mean[co])*scale[co])
	}
	out := make([]float32, len(w))
	for ci := 0; ci < cin; ci++ {
		for co := 0; co < cout; co++ {
			off := (ci*cout + co) * kk
			for i := off; i < off+kk; i++ {
				out[i] = float32(float64(w[i]) * scale[co])
			}
		}
	}
	return out, bias, nil
}

// NNParams returns folded generator tensors (GeneratorParams names) as the
// map nn.NewGenerator takes: the same weights and biases plus an identity
// batch norm after every folded layer (gamma 1, beta = the bias, mean 0,
// var = 1−eps rounded to float32, which makes nn's scale exactly 1 and its
// shift exactly the bias, so the network computes the folded layers bit for
// bit). Missing or mis-sized tensors are errors naming the tensor.
func NNParams(cfg arch.Config, folded map[string][]float32) (map[string][]float32, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	out := map[string][]float32{}
	for _, p := range GeneratorParams(cfg) {
		if err := check(folded, p); err != nil {
			return nil, err
		}
		out[p.Name] = folded[p.Name]
	}
	idVar := float32(1 - arch.BNEpsilon)
	for _, p := range cfg.Params() {
		if p.Net != "gen" || !strings.Contains(p.Name, ".bn.") {
			continue
		}
		layer, field, _ := strings.Cut(p.Name, ".bn.")
		v := make([]float32, p.Size())
		switch field {
		case "gamma":
			fill(v, 1)
		case "beta":
			copy(v, folded[layer+".b"])
		case "var":
			fill(v, idVar)
		}
		out[p.Name] = v
	}
	return out, nil
}

func fill(v []float32, x float32) {
	for i := range v {
		v[i] = x
	}
}

// check verifies that params holds p with its arch size and finite values.
func check(params map[string][]float32, p arch.Param) error {
	v, ok := params[p.Name]
	if !ok {
		return fmt.Errorf("fold: missing tensor %s (shape %v)", p.Name, p.Shape)
	}
	if len(v) != p.Size() {
		return fmt.Errorf("fold: tensor %s has %d values, want shape %v = %d", p.Name, len(v), p.Shape, p.Size())
	}
	for i, x := range v {
		if math.IsNaN(float64(x)) || math.IsInf(float64(x), 0) {
			return fmt.Errorf("fold: tensor %s[%d] is %v", p.Name, i, x)
		}
	}
	return nil
}
