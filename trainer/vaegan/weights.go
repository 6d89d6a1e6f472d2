package vaegan

import (
	"fmt"
	"math"
	"math/rand/v2"

	"fmriface/infer/arch"
	"fmriface/util/ckpt"
)

// Weights holds every parameter and running statistic as a flat float32 slice,
// keyed by arch.Param name. Graphs bind tensors to these slices without copying,
// so an update here is seen by every graph.
type Weights struct {
	Cfg    arch.Config
	Params []arch.Param
	Data   map[string][]float32
	// Latent, if set, whitens the encoder's output; the generator's first
	// layer then expects whitened latents (see Whiten).
	Latent *LatentMap
}

// NewWeights initialises a model: convolutions N(0, 0.02) as in DCGAN, linear
// layers N(0, 1/fan_in), biases 0, batch-norm γ = 1, β = 0, running var 1.
func NewWeights(cfg arch.Config, seed uint64) (*Weights, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	r := rand.New(rand.NewPCG(seed, 0x5eed))
	w := &Weights{Cfg: cfg, Params: cfg.Params(), Data: map[string][]float32{}}
	for _, p := range w.Params {
		d := make([]float32, p.Size())
		switch {
		case hasSuffix(p.Name, ".bn.gamma"), hasSuffix(p.Name, ".bn.var"):
			for i := range d {
				d[i] = 1
			}
		case hasSuffix(p.Name, ".w") && len(p.Shape) == 4:
			for i := range d {
				d[i] = float32(0.02 * r.NormFloat64())
			}
		case hasSuffix(p.Name, ".w") && len(p.Shape) == 2:
			s := 1 / math.Sqrt(float64(p.Shape[0]))
			for i := range d {
				d[i] = float32(s * r.NormFloat64())
			}
		}
		w.Data[p.Name] = d
	}
	return w, nil
}

// FromTensors builds Weights from a loaded checkpoint, checking every shape.
func FromTensors(cfg arch.Config, ts map[string]ckpt.Tensor, nets ...string) (*Weights, error) {
	w := &Weights{Cfg: cfg, Params: cfg.Params(), Data: map[string][]float32{}}
	want := map[string]bool{}
	for _, n := range nets {
		want[n] = true
	}
	for _, p := range w.Params {
		if len(nets) > 0 && !want[p.Net] {
			continue
		}
		t, ok := ts[p.Name]
		if !ok {
			return nil, fmt.Errorf("tensor %s missing", p.Name)
		}
		if !sameShape(t.Shape, p.Shape) {
			return nil, fmt.Errorf("tensor %s has shape %v, architecture %q wants %v", p.Name, t.Shape, cfg.Name, p.Shape)
		}
		w.Data[p.Name] = append([]float32(nil), t.Data...)
	}
	return w, nil
}

// Tensors lists the parameters of the given nets (all if none) for ckpt.Save.
func (w *Weights) Tensors(nets ...string) []ckpt.Tensor {
	want := map[string]bool{}
	for _, n := range nets {
		want[n] = true
	}
	var ts []ckpt.Tensor
	for _, p := range w.Params {
		if len(nets) > 0 && !want[p.Net] {
			continue
		}
		if d, ok := w.Data[p.Name]; ok {
			ts = append(ts, ckpt.Tensor{Name: p.Name, Shape: p.Shape, Data: d})
		}
	}
	return ts
}

// NNParams returns the tensors by name for package nn: the data of every
// net, plus the latent map if there is one. The slices are shared.
func (w *Weights) NNParams() map[string][]float32 {
	m := make(map[string][]float32, len(w.Data)+2)
	for k, v := range w.Data {
		m[k] = v
	}
	for _, t := range w.Latent.tensors() {
		m[t.Name] = t.Data
	}
	return m
}

func hasSuffix(s, suf string) bool { return len(s) >= len(suf) && s[len(s)-len(suf):] == suf }

func sameShape(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
