package features

import (
	"encoding/json"
	"fmt"
	"math"

	"fmriface/infer/gemm"
	"fmriface/infer/nn"
	"fmriface/util/ckpt"
)

// ModelFormat names the layout of a shipped model file.
const ModelFormat = "fmriface-featnet-model/1"

// ModelMeta is the JSON record of a model file.
type ModelMeta struct {
	Format    string   `json:"format"`
	Config    Config   `json:"config"`
	AttrNames []string `json:"attr_names"`
	// IdentityPersons maps identity logit k to a CelebA person id.
	IdentityPersons []int `json:"identity_persons,omitempty"`
	// Training is the trainer's record (configuration, seed, code versions).
	Training json.RawMessage `json:"training,omitempty"`
}

// Activations are one image's features. The slices belong to the Net and are
// overwritten by its next Forward; copy what you keep.
type Activations struct {
	// Blocks[i] is block i+1's map after its last batch norm and ELU,
	// C×S×S (CHW) with S = Config.BlockSide(i+1).
	Blocks [][]float32
	// Mid is the mid level: block MidBlock's map averaged over
	// non-overlapping windows to C×MidPool×MidPool.
	Mid []float32
	// Embedding is the high level (Config.Embed values, after ELU).
	Embedding []float32
	// AttrLogits are the attribute logits (positive: attribute present).
	AttrLogits []float32
	// IDLogits are the identity logits (nil without an identity head).
	IDLogits []float32
}

// Net is the network with its batch norms folded, ready for inference. It
// owns its buffers: Forward allocates nothing, and one Net must not run two
// Forward calls at once (make one Net per goroutine; they can share nothing
// but are cheap, a few MB each).
type Net struct {
	cfg    Config
	convs  [][]nn.Conv2D // per block
	embed  nn.Linear     // batch norm folded
	attr   nn.Linear
	id     *nn.Linear
	ws     gemm.Workspace
	cols   []float32
	maps   [][]float32 // per conv, output
	pooled []float32
	act    Activations
}

// Load reads a model file written by the trainer.
func Load(path string) (*Net, *ModelMeta, error) {
	f, err := ckpt.Load(path)
	if err != nil {
		return nil, nil, err
	}
	var mm ModelMeta
	if err := f.DecodeMeta(&mm); err != nil {
		return nil, nil, fmt.Errorf("%s: record: %w", path, err)
	}
	if mm.Format != ModelFormat {
		return nil, nil, fmt.Errorf("%s: format %q, want %q", path, mm.Format, ModelFormat)
	}
	params := make(map[string][]float32, len(f.Tensors))
	for _, p := range mm.Config.Params() {
		t, ok := f.Tensors[p.Name]
		if !ok {
			return nil, nil, fmt.Errorf("%s: tensor %s missing", path, p.Name)
		}
		if !sameShape(t.Shape, p.Shape) {
			return nil, nil, fmt.Errorf("%s: tensor %s has shape %v, want %v", path, p.Name, t.Shape, p.Shape)
		}
		params[p.Name] = t.Data
	}
	n, err := New(mm.Config, params)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", path, err)
	}
	return n, &mm, nil
}

// New builds a Net from named tensors (Config.Params names and sizes). The
// tensors are copied, so the caller may keep changing them.
func New(cfg Config, params map[string][]float32) (*Net, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	get := func(p Param) ([]float32, error) {
		d, ok := params[p.Name]
		if !ok {
			return nil, fmt.Errorf("features: tensor %s missing", p.Name)
		}
		if len(d) != p.Size() {
			return nil, fmt.Errorf("features: tensor %s has %d values, want %d", p.Name, len(d), p.Size())
		}
		for i, v := range d {
			if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
				return nil, fmt.Errorf("features: tensor %s holds %v at %d", p.Name, v, i)
			}
		}
		return append([]float32(nil), d...), nil
	}
	byName := map[string]Param{}
	for _, p := range cfg.Params() {
		byName[p.Name] = p
	}
	bn := func(prefix string) (scale, shift []float32, err error) {
		var t [4][]float32
		for k, s := range []string{"gamma", "beta", "mean", "var"} {
			if t[k], err = get(byName[prefix+".bn."+s]); err != nil {
				return nil, nil, err
			}
		}
		scale, shift = nn.BNScaleShift(t[0], t[1], t[2], t[3], BNEpsilon)
		return scale, shift, nil
	}
	n := &Net{cfg: cfg}
	in, side, colsLen := 3, cfg.ImageSize, 0
	for i, b := range cfg.Blocks {
		var convs []nn.Conv2D
		for j := 1; j <= b.Convs; j++ {
			name := ConvName(i+1, j)
			w, err := get(byName[name+".w"])
			if err != nil {
				return nil, err
			}
			stride := 1
			if j == 1 {
				stride = 2
			}
			l := nn.Conv2D{Cin: in, Cout: b.Out, K: Kernel, Stride: stride, Pad: Kernel / 2, W: w}
			scale, shift, err := bn(name)
			if err != nil {
				return nil, err
			}
			l.FoldScaleShift(scale, shift)
			colsLen = max(colsLen, l.ColsLen(side, side))
			side = l.OutSize(side)
			n.maps = append(n.maps, make([]float32, b.Out*side*side))
			convs = append(convs, l)
			in = b.Out
		}
		n.convs = append(n.convs, convs)
	}
	n.cols = make([]float32, colsLen)
	w, err := get(byName["embed.w"])
	if err != nil {
		return nil, err
	}
	scale, shift, err := bn("embed")
	if err != nil {
		return nil, err
	}
	// BN(x·W) = x·(W·diag(scale)) + shift
	for r := 0; r < in; r++ {
		row := w[r*cfg.Embed : (r+1)*cfg.Embed]
		for k := range row {
			row[k] *= scale[k]
		}
	}
	n.embed = nn.Linear{In: in, Out: cfg.Embed, W: w, B: shift}
	if n.attr, err = linear(get, byName, "attr", cfg.Embed, cfg.Attrs); err != nil {
		return nil, err
	}
	if cfg.Identities > 0 {
		l, err := linear(get, byName, "id", cfg.Embed, cfg.Identities)
		if err != nil {
			return nil, err
		}
		n.id = &l
	}
	n.pooled = make([]float32, in)
	n.act = Activations{Mid: make([]float32, cfg.MidSize()), Embedding: make([]float32, cfg.Embed),
		AttrLogits: make([]float32, cfg.Attrs)}
	if n.id != nil {
		n.act.IDLogits = make([]float32, cfg.Identities)
	}
	return n, nil
}

func linear(get func(Param) ([]float32, error), byName map[string]Param, prefix string, in, out int) (nn.Linear, error) {
	w, err := get(byName[prefix+".w"])
	if err != nil {
		return nn.Linear{}, err
	}
	b, err := get(byName[prefix+".b"])
	if err != nil {
		return nn.Linear{}, err
	}
	return nn.Linear{In: in, Out: out, W: w, B: b}, nil
}

// Config returns the network's configuration.
func (n *Net) Config() Config { return n.cfg }

// Forward runs one image (3×S×S, CHW, values in [0,1], S = ImageSize).
func (n *Net) Forward(img []float32) (*Activations, error) {
	s := n.cfg.ImageSize
	if len(img) != 3*s*s {
		return nil, fmt.Errorf("features: image has %d values, want 3×%d×%d", len(img), s, s)
	}
	x, side, k := img, s, 0
	n.act.Blocks = n.act.Blocks[:0]
	for _, convs := range n.convs {
		for ci := range convs {
			l := &convs[ci]
			out := n.maps[k]
			l.Forward(&n.ws, x, side, side, n.cols, out)
			nn.ELU(out)
			x, side = out, l.OutSize(side)
			k++
		}
		n.act.Blocks = append(n.act.Blocks, x)
	}
	AvgPool(n.act.Mid, n.act.Blocks[n.cfg.MidBlock-1], n.cfg.Blocks[n.cfg.MidBlock-1].Out, n.cfg.BlockSide(n.cfg.MidBlock), n.cfg.MidPool)
	AvgPool(n.pooled, x, len(n.pooled), side, 1)
	n.embed.Forward(&n.ws, n.pooled, n.act.Embedding)
	nn.ELU(n.act.Embedding)
	n.attr.Forward(&n.ws, n.act.Embedding, n.act.AttrLogits)
	if n.id != nil {
		n.id.Forward(&n.ws, n.act.Embedding, n.act.IDLogits)
	}
	return &n.act, nil
}

// AvgPool averages each of c channels of a side×side map (CHW) over
// non-overlapping windows down to out×out (side must be a multiple of out)
// and writes c×out×out values to dst.
func AvgPool(dst, src []float32, c, side, out int) {
	w := side / out
	inv := 1 / float32(w*w)
	for ch := 0; ch < c; ch++ {
		plane := src[ch*side*side : (ch+1)*side*side]
		for oy := 0; oy < out; oy++ {
			for ox := 0; ox < out; ox++ {
				var sum float32
				for y := oy * w; y < (oy+1)*w; y++ {
					for _, v := range plane[y*side+ox*w : y*side+(ox+1)*w] {
						sum += v
					}
				}
				dst[(ch*out+oy)*out+ox] = sum * inv
			}
		}
	}
}

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
