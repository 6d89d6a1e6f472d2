package vaegan

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// Infer runs the encoder and generator in inference mode (batch norm with running
// statistics) on fixed-size batches; shorter inputs are padded.
type Infer struct {
	w         *Weights
	n         int
	enc, gen  *builder
	em, gm    G.VM
	x, z      *G.Node
	mu, out   *G.Node
	muV, outV G.Value
}

// NewInfer builds the inference graphs for batches of n.
func NewInfer(w *Weights, n int) (*Infer, error) {
	c := w.Cfg
	in := &Infer{w: w, n: n}
	in.enc = newBuilder(w, false)
	in.x = in.enc.input("x", n, 3, c.ImageSize, c.ImageSize)
	in.mu, _ = in.enc.encoder(in.x)
	if in.enc.err != nil {
		return nil, fmt.Errorf("encoder graph: %w", in.enc.err)
	}
	in.gen = newBuilder(w, false)
	in.z = in.gen.input("z", n, c.Latent)
	in.out = in.gen.generator(in.z)
	if in.gen.err != nil {
		return nil, fmt.Errorf("generator graph: %w", in.gen.err)
	}
	G.Read(in.mu, &in.muV)
	G.Read(in.out, &in.outV)
	in.em = G.NewTapeMachine(in.enc.g, G.EvalMode())
	in.gm = G.NewTapeMachine(in.gen.g, G.EvalMode())
	return in, nil
}

// Close releases the machines.
func (in *Infer) Close() { in.em.Close(); in.gm.Close() }

// refresh loads the current running statistics into the graphs' BN ops.
func (in *Infer) refresh() error {
	if err := in.enc.loadStats(); err != nil {
		return err
	}
	return in.gen.loadStats()
}

// Encode returns the latents (count × Latent) of count images (count × 3·S·S,
// CHW): the encoder's mean μ, whitened if the model has a latent map.
func (in *Infer) Encode(x []float32, count int) ([]float32, error) {
	z, err := in.EncodeRaw(x, count)
	if err != nil || in.w.Latent == nil {
		return z, err
	}
	in.w.Latent.Apply(z, count)
	return z, nil
}

// EncodeRaw returns the encoder's mean μ before any latent map.
func (in *Infer) EncodeRaw(x []float32, count int) ([]float32, error) {
	c := in.w.Cfg
	per := 3 * c.ImageSize * c.ImageSize
	if len(x) != count*per {
		return nil, fmt.Errorf("encode: %d values for %d images", len(x), count)
	}
	if err := in.refresh(); err != nil {
		return nil, err
	}
	out := make([]float32, count*c.Latent)
	buf := make([]float32, in.n*per)
	for i := 0; i < count; i += in.n {
		k := min(in.n, count-i)
		clear(buf)
		copy(buf, x[i*per:(i+k)*per])
		setInput(in.x, buf)
		in.em.Reset()
		if err := in.em.RunAll(); err != nil {
			return nil, fmt.Errorf("encode: %w", err)
		}
		copy(out[i*c.Latent:(i+k)*c.Latent], in.muV.Data().([]float32))
	}
	return out, nil
}

// Generate returns count images (count × 3·S·S) for latents z (count × Latent).
func (in *Infer) Generate(z []float32, count int) ([]float32, error) {
	c := in.w.Cfg
	per := 3 * c.ImageSize * c.ImageSize
	if len(z) != count*c.Latent {
		return nil, fmt.Errorf("generate: %d values for %d latents", len(z), count)
	}
	if err := in.refresh(); err != nil {
		return nil, err
	}
	out := make([]float32, count*per)
	buf := make([]float32, in.n*c.Latent)
	for i := 0; i < count; i += in.n {
		k := min(in.n, count-i)
		clear(buf)
		copy(buf, z[i*c.Latent:(i+k)*c.Latent])
		setInput(in.z, buf)
		in.gm.Reset()
		if err := in.gm.RunAll(); err != nil {
			return nil, fmt.Errorf("generate: %w", err)
		}
		copy(out[i*per:(i+k)*per], in.outV.Data().([]float32))
	}
	return out, nil
}
