package site

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"fmriface/bundle"
	"fmriface/bundle/quant"
	"fmriface/infer/arch"
	"fmriface/infer/nn"
)

// Model is the generator bundle: the face generator and the two latent axes.
type Model struct {
	Cfg   arch.Config
	Gen   *nn.Generator
	Male  []float32 // axis.male: mean latent of male − female faces
	Smile []float32 // axis.smile: mean latent of smiling − not smiling faces
}

// Latent is the latent dimension.
func (m *Model) Latent() int { return m.Cfg.Latent }

// ImageSize is the side of the generated images.
func (m *Model) ImageSize() int { return m.Cfg.ImageSize }

// maxLatent and maxImage bound the architecture a bundle may ask for before
// anything of that size is allocated (the paper's model has 1024 and 128).
const (
	maxLatent = 4096
	maxImage  = 256
)

// LoadModel parses and checks a generator bundle; name (the file name) prefixes
// every error.
func LoadModel(name string, data []byte) (*Model, error) {
	return loadModel(name, data, bundle.Parse)
}

// LoadModelVerified is LoadModel for bytes whose SHA-256 the caller has
// already checked against the site's index (the page's loader does): it
// skips the bundle's own checksums (bundle.ParseVerified), a second pass
// over the file, and keeps every other check.
func LoadModelVerified(name string, data []byte) (*Model, error) {
	return loadModel(name, data, bundle.ParseVerified)
}

type parseFunc func([]byte, bundle.Limits) (*bundle.Bundle, error)

func loadModel(name string, data []byte, parse parseFunc) (*Model, error) {
	b, err := parse(data, bundle.Limits{})
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	m, err := modelFromBundle(b)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return m, nil
}

func modelFromBundle(b *bundle.Bundle) (*Model, error) {
	js, err := b.MetaString("arch")
	if err != nil {
		return nil, fmt.Errorf("meta arch: %w", err)
	}
	var cfg arch.Config
	if err := json.Unmarshal([]byte(js), &cfg); err != nil {
		return nil, fmt.Errorf("meta arch: %w", err)
	}
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("meta arch: %w", err)
	}
	if cfg.Latent > maxLatent || cfg.ImageSize > maxImage {
		return nil, fmt.Errorf("meta arch: latent %d / image size %d over the app's limits %d / %d",
			cfg.Latent, cfg.ImageSize, maxLatent, maxImage)
	}
	for key, want := range map[string]int{"latent": cfg.Latent, "image_size": cfg.ImageSize} {
		if v, ok := b.Meta(key); ok {
			if got, isInt := v.(int64); !isInt || got != int64(want) {
				return nil, fmt.Errorf("meta %s = %v disagrees with arch (%d)", key, v, want)
			}
		}
	}
	params, err := generatorParams(b, cfg)
	if err != nil {
		return nil, err
	}
	var g *nn.Generator
	if _, ok := params["gen.fc.w"]; ok {
		g, err = nn.NewGeneratorOwning(cfg, params) // params are ours: no copy
	} else {
		// The first layer stays encoded: images read its rows a block at
		// a time until MaterializeFC has dequantized it (App's idle work).
		var enc *encMatrix
		if enc, err = encoded(b, "gen.fc.w"); err == nil {
			g, err = nn.NewGeneratorLazyFC(cfg, params, encRows{enc})
		}
	}
	if err != nil {
		return nil, err
	}
	m := &Model{Cfg: cfg, Gen: g}
	if m.Male, err = floats(b, "axis.male", cfg.Latent); err != nil {
		return nil, err
	}
	if m.Smile, err = floats(b, "axis.smile", cfg.Latent); err != nil {
		return nil, err
	}
	return m, nil
}

// generatorParams reads the generator's tensors into the map nn.NewGenerator
// takes. The site bundle stores batch norm folded into each transposed
// convolution (a bias on every layer, no .bn.* tensors) while nn expects the
// arch layout (batch norm after every layer but the last); a folded bias b is
// passed as the batch norm γ=1, β=b, mean 0, var 1−ε, which nn folds back into
// exactly the bias b. A bundle that does carry .bn.* tensors is read as is.
func generatorParams(b *bundle.Bundle, cfg arch.Config) (map[string][]float32, error) {
	params := map[string][]float32{}
	for _, p := range cfg.Params() {
		if p.Net != "gen" {
			continue
		}
		if _, done := params[p.Name]; done {
			continue
		}
		if layer, isBN := strings.CutSuffix(p.Name, ".bn.gamma"); isBN {
			if _, err := b.Tensor(p.Name); err != nil {
				bias, err := floats(b, layer+".b", p.Size())
				if err != nil {
					return nil, fmt.Errorf("folded batch norm of %s: %w", layer, err)
				}
				one, zero, v := make([]float32, p.Size()), make([]float32, p.Size()), make([]float32, p.Size())
				for i := range one {
					one[i] = 1
					v[i] = float32(1 - arch.BNEpsilon)
				}
				params[layer+".bn.gamma"] = one
				params[layer+".bn.beta"] = bias
				params[layer+".bn.mean"] = zero
				params[layer+".bn.var"] = v
				continue
			}
		}
		if p.Name == "gen.fc.w" && readInPlace(b, p) {
			continue // kept encoded: see modelFromBundle
		}
		v, err := floatsUnchecked(b, p.Name, p.Size())
		if err != nil {
			return nil, err
		}
		params[p.Name] = v // nn checks that every value is finite
	}
	return params, nil
}

// floats reads a float tensor of exactly n elements, all finite.
func floats(b *bundle.Bundle, name string, n int) ([]float32, error) {
	v, err := floatsUnchecked(b, name, n)
	if err != nil {
		return nil, err
	}
	if i := nn.FirstNonFinite(v); i >= 0 {
		return nil, fmt.Errorf("tensor %s: element %d is %v", name, i, v[i])
	}
	return v, nil
}

// floatsUnchecked is floats without the finiteness check, for values that a
// later check covers.
func floatsUnchecked(b *bundle.Bundle, name string, n int) ([]float32, error) {
	info, err := b.Tensor(name)
	if err != nil {
		return nil, fmt.Errorf("tensor %s: %w", name, err)
	}
	if !info.DType.IsFloat() {
		return nil, fmt.Errorf("tensor %s: dtype %s, want a float type", name, info.DType)
	}
	if info.NumElements() != n {
		return nil, fmt.Errorf("tensor %s: shape %v has %d elements, want %d", name, info.Shape, info.NumElements(), n)
	}
	v, err := b.Float32(name)
	if err != nil {
		return nil, fmt.Errorf("tensor %s: %w", name, err)
	}
	return v, nil
}

// encRows reads rows of an encoded matrix, for nn.RowSource.
type encRows struct{ m *encMatrix }

// The payload's size and values were checked when the model was loaded, so
// errors here are bugs.
func (e encRows) Rows(r0, r1 int, dst []float32) {
	if err := quant.DecodeRows(e.m.kind, e.m.shape, e.m.payload, r0, r1, dst); err != nil {
		panic(err)
	}
}

// AddRows needs no scratch: readInPlace admitted only Q8, Q4 and Q3 payloads.
func (e encRows) AddRows(r0, r1 int, coef, dst []float32) {
	if err := quant.AxpyRows(e.m.kind, e.m.shape, e.m.payload, r0, r1, coef, dst, nil); err != nil {
		panic(err)
	}
}

// readInPlace reports whether tensor p is stored 8-, 4- or 3-bit in p's shape,
// so that images can read its rows in place (quant.AxpyRows) until it is
// dequantized; a float16 or float32 layer is decoded at load as before.
func readInPlace(b *bundle.Bundle, p arch.Param) bool {
	info, err := b.Tensor(p.Name)
	if err != nil {
		return false
	}
	k, ok := info.DType.Quant()
	return ok && (k == quant.Q8 || k == quant.Q4 || k == quant.Q4F32 || k == quant.Q3) && slices.Equal(info.Shape, p.Shape)
}
