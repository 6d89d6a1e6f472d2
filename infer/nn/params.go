package nn

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"fmriface/infer/arch"
)

// tensors hands out one network's validated parameters: copies, or with own
// set the caller's slices themselves.
type tensors struct {
	cfg   arch.Config
	net   string
	byKey map[string]arch.Param
	src   map[string][]float32
	own   bool
}

// newTensors checks that params holds every parameter of net with the size
// of its arch shape, and that all values are finite. Parameters of other nets
// and unknown names are ignored, so a whole checkpoint can be passed.
//
// Names in absent are parameters the caller supplies another way (a RowSource):
// they must not be in params.
func newTensors(cfg arch.Config, net string, params map[string][]float32, absent ...string) (*tensors, error) {
	if err := checkConfig(cfg); err != nil {
		return nil, err
	}
	t := &tensors{cfg: cfg, net: net, byKey: map[string]arch.Param{}, src: params}
	for _, p := range cfg.Params() {
		if p.Net != net {
			continue
		}
		t.byKey[p.Name] = p
		if slices.Contains(absent, p.Name) {
			continue
		}
		v, ok := params[p.Name]
		if !ok {
			return nil, fmt.Errorf("nn: arch %q: missing parameter %s (shape %s)", cfg.Name, p.Name, shapeString(p.Shape))
		}
		if len(v) != p.Size() {
			return nil, fmt.Errorf("nn: arch %q: parameter %s has %d values, want shape %s = %d",
				cfg.Name, p.Name, len(v), shapeString(p.Shape), p.Size())
		}
		if i := FirstNonFinite(v); i >= 0 {
			return nil, fmt.Errorf("nn: arch %q: parameter %s[%d] is %v", cfg.Name, p.Name, i, v[i])
		}
		if strings.HasSuffix(p.Name, ".bn.var") {
			for i, x := range v {
				if float64(x)+arch.BNEpsilon <= 0 {
					return nil, fmt.Errorf("nn: arch %q: parameter %s[%d] = %v is a negative variance", cfg.Name, p.Name, i, x)
				}
			}
		}
	}
	return t, nil
}

// Limits on a configuration, far above any real one, so that buffer sizes
// computed from it cannot overflow.
const (
	maxSide     = 4096
	maxChannels = 1 << 16
	maxKernel   = 64
)

// checkConfig adds to arch's own validation what sizing the buffers needs:
// positive channel counts and bounded sizes.
func checkConfig(cfg arch.Config) error {
	if err := cfg.Validate(); err != nil {
		return err
	}
	if cfg.ImageSize > maxSide || cfg.Latent > maxChannels*16 || cfg.EncHidden > maxChannels*16 {
		return fmt.Errorf("nn: arch %q: image side %d, latent %d or hidden %d too large", cfg.Name, cfg.ImageSize, cfg.Latent, cfg.EncHidden)
	}
	for _, k := range []int{cfg.EncKernel, cfg.GenKernel} {
		if k > maxKernel {
			return fmt.Errorf("nn: arch %q: kernel %d larger than %d", cfg.Name, k, maxKernel)
		}
	}
	for _, chs := range [][]int{cfg.EncChannels, cfg.GenChannels} {
		for _, c := range chs {
			if c < 1 || c > maxChannels {
				return fmt.Errorf("nn: arch %q: channel count %d outside 1..%d", cfg.Name, c, maxChannels)
			}
		}
	}
	return nil
}

// get returns a copy of a parameter checked by newTensors (so folding batch
// norm into it never changes the caller's map).
func (t *tensors) get(name string) []float32 {
	if _, ok := t.byKey[name]; !ok {
		// A name built by this package that arch does not list: a bug here.
		panic(fmt.Sprintf("nn: %s is not a %s parameter of arch %q", name, t.net, t.cfg.Name))
	}
	if t.own {
		return t.src[name]
	}
	return append([]float32(nil), t.src[name]...)
}

// bn returns the folded scale and shift of the batch norm named prefix.bn.
func (t *tensors) bn(prefix string) (scale, shift []float32) {
	return BNScaleShift(t.get(prefix+".bn.gamma"), t.get(prefix+".bn.beta"),
		t.get(prefix+".bn.mean"), t.get(prefix+".bn.var"), arch.BNEpsilon)
}

func shapeString(shape []int) string {
	s := make([]string, len(shape))
	for i, d := range shape {
		s[i] = strconv.Itoa(d)
	}
	return "(" + strings.Join(s, ", ") + ")"
}

// FirstNonFinite returns the index of the first NaN or ±Inf in v, or -1. It
// tests the exponent bits, several times faster than math.IsNaN and IsInf on
// float64 conversions; loading a model checks tens of millions of values.
func FirstNonFinite(v []float32) int {
	for i, x := range v {
		if math.Float32bits(x)&0x7f800000 == 0x7f800000 {
			return i
		}
	}
	return -1
}
