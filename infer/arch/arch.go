// Package arch describes the VAE-GAN's architecture: layer sizes, presets and the
// names and shapes of every parameter. It is the contract between the trainer
// (gorgonia graphs), the pure-Go inference package nn, the checkpoint files and
// the exporter: all of them walk Params in the same order with the same names.
//
// Layout conventions (also what a numpy user sees in a checkpoint):
//   - images are CHW float32 in [0,1], batches NCHW;
//   - conv weights are (Cout, Cin, K, K); transposed-conv weights are (Cin, Cout, K, K),
//     as in PyTorch, so out[co] += in[ci] * w[ci][co] scattered with the stride;
//   - linear weights are (In, Out) and compute y = x·W + b;
//   - flattening a C×H×W map for a linear layer uses CHW order;
//   - batch norm keeps gamma, beta and the running mean and variance per channel,
//     y = gamma·(x−mean)/sqrt(var+BNEpsilon) + beta; convs followed by BN have no bias.
package arch

import (
	"fmt"
	"sort"
	"strings"
)

// BNEpsilon is the batch-norm epsilon used in training and inference.
const BNEpsilon = 1e-5

// Config is one VAE-GAN architecture.
type Config struct {
	Name      string `json:"name"`
	ImageSize int    `json:"image_size"` // input and output side, pixels
	Latent    int    `json:"latent"`     // dimensions of z

	// Encoder: stride-2 convs (BN + ELU) with these output channels, then a linear
	// layer of EncHidden units (no activation), then μ = tanh(linear) and
	// log σ = 0.5·tanh(linear), as in the paper.
	EncChannels []int `json:"enc_channels"`
	EncKernel   int   `json:"enc_kernel"`
	EncHidden   int   `json:"enc_hidden"`

	// Generator: linear Latent → GenChannels[0]·s·s with ELU (s = ImageSize/2^len),
	// then one stride-2 transposed conv per entry: GenChannels[i] → GenChannels[i+1]
	// with BN + ELU, and the last one → 3 channels with bias and a sigmoid.
	GenChannels []int `json:"gen_channels"`
	GenKernel   int   `json:"gen_kernel"`

	// Discriminator: stride-2 convs (BN + ELU; no BN on the first), then a linear
	// logit. FeatureLayer (1-based) is the conv whose output is the reconstruction
	// space of the VAE-GAN's "learned similarity".
	DiscChannels []int `json:"disc_channels"`
	DiscKernel   int   `json:"disc_kernel"`
	FeatureLayer int   `json:"feature_layer"`
}

// Presets by name.
func Presets() map[string]Config {
	return map[string]Config{
		// default: the paper's 3×3 layers at 64×64 and a quarter of its width: trains in
		// about 35 min on 2 cores (14 epochs) and decodes a face in about 12 ms in the browser.
		"default": {Name: "default", ImageSize: 64, Latent: 1024,
			EncChannels: []int{32, 64, 128, 256}, EncKernel: 3, EncHidden: 1024,
			GenChannels: []int{256, 128, 64, 32}, GenKernel: 3,
			DiscChannels: []int{32, 64, 128, 256}, DiscKernel: 3, FeatureLayer: 3},
		// paper: VanRullen & Reddy (2019): 128×128, encoder 192…768, generator 1024…192, 3×3 kernels.
		"paper": {Name: "paper", ImageSize: 128, Latent: 1024,
			EncChannels: []int{192, 256, 384, 512, 768}, EncKernel: 3, EncHidden: 1024,
			GenChannels: []int{1024, 512, 384, 256, 192}, GenKernel: 3,
			DiscChannels: []int{64, 128, 256, 512, 512}, DiscKernel: 3, FeatureLayer: 3},
		// tiny: for tests and smoke runs.
		"tiny": {Name: "tiny", ImageSize: 16, Latent: 16,
			EncChannels: []int{4, 8}, EncKernel: 4, EncHidden: 16,
			GenChannels: []int{8, 4}, GenKernel: 3,
			DiscChannels: []int{4, 8}, DiscKernel: 4, FeatureLayer: 2},
	}
}

// Preset returns the named preset.
func Preset(name string) (Config, error) {
	p, ok := Presets()[name]
	if !ok {
		names := make([]string, 0)
		for k := range Presets() {
			names = append(names, k)
		}
		sort.Strings(names)
		return Config{}, fmt.Errorf("unknown preset %q (have %s)", name, strings.Join(names, ", "))
	}
	return p, nil
}

// Validate checks that the sizes fit together.
func (c Config) Validate() error {
	switch {
	case c.ImageSize <= 0 || c.Latent <= 0 || c.EncHidden <= 0:
		return fmt.Errorf("arch %q: sizes must be positive", c.Name)
	case len(c.EncChannels) == 0 || len(c.GenChannels) == 0 || len(c.DiscChannels) == 0:
		return fmt.Errorf("arch %q: empty channel list", c.Name)
	case c.ImageSize%(1<<len(c.EncChannels)) != 0 || c.ImageSize%(1<<len(c.GenChannels)) != 0 ||
		c.ImageSize%(1<<len(c.DiscChannels)) != 0:
		return fmt.Errorf("arch %q: image size %d not divisible by the strides", c.Name, c.ImageSize)
	case c.FeatureLayer < 1 || c.FeatureLayer > len(c.DiscChannels):
		return fmt.Errorf("arch %q: feature layer %d out of 1..%d", c.Name, c.FeatureLayer, len(c.DiscChannels))
	case c.EncKernel < 2 || c.GenKernel < 2 || c.DiscKernel < 2 || c.EncKernel > 64 || c.GenKernel > 64 || c.DiscKernel > 64:
		return fmt.Errorf("arch %q: kernels must be 2…64", c.Name)
	case c.ImageSize > 4096 || c.Latent > 1<<16 || c.EncHidden > 1<<16:
		return fmt.Errorf("arch %q: sizes too large", c.Name)
	}
	for _, chs := range [][]int{c.EncChannels, c.GenChannels, c.DiscChannels} {
		for _, ch := range chs {
			if ch < 1 || ch > 1<<16 {
				return fmt.Errorf("arch %q: channel count %d out of 1…65536", c.Name, ch)
			}
		}
	}
	return nil
}

// ConvPad is the padding of a stride-2 conv with kernel k that halves an even size:
// out = (in + 2p − k)/2 + 1 = in/2.
func ConvPad(k int) int { return (k - 1) / 2 }

// DeconvPad returns padding and output padding of a stride-2 transposed conv with
// kernel k that doubles the size: out = (in−1)·2 − 2p + k + op = 2·in.
func DeconvPad(k int) (pad, outPad int) {
	pad = (k - 1) / 2
	return pad, 2*pad + 2 - k
}

// EncSize is the spatial side after the encoder's convs.
func (c Config) EncSize() int { return c.ImageSize >> len(c.EncChannels) }

// GenSize is the spatial side of the generator's first feature map.
func (c Config) GenSize() int { return c.ImageSize >> len(c.GenChannels) }

// DiscSize is the spatial side after the discriminator's convs.
func (c Config) DiscSize() int { return c.ImageSize >> len(c.DiscChannels) }

// Param is one named parameter or running statistic.
type Param struct {
	Name  string `json:"name"`
	Net   string `json:"net"` // "enc", "gen" or "disc"
	Shape []int  `json:"shape"`
	// Stat marks batch-norm running statistics: saved and loaded, never trained.
	Stat bool `json:"stat,omitempty"`
}

// Size is the number of elements.
func (p Param) Size() int {
	n := 1
	for _, d := range p.Shape {
		n *= d
	}
	return n
}

// Params lists every parameter of the three networks in a fixed order.
func (c Config) Params() []Param {
	var ps []Param
	add := func(net, name string, stat bool, shape ...int) {
		ps = append(ps, Param{Name: net + "." + name, Net: net, Shape: shape, Stat: stat})
	}
	bn := func(net, layer string, ch int) {
		add(net, layer+".bn.gamma", false, ch)
		add(net, layer+".bn.beta", false, ch)
		add(net, layer+".bn.mean", true, ch)
		add(net, layer+".bn.var", true, ch)
	}
	in := 3
	for i, ch := range c.EncChannels {
		l := fmt.Sprintf("conv%d", i+1)
		add("enc", l+".w", false, ch, in, c.EncKernel, c.EncKernel)
		bn("enc", l, ch)
		in = ch
	}
	flat := in * c.EncSize() * c.EncSize()
	add("enc", "fc.w", false, flat, c.EncHidden)
	add("enc", "fc.b", false, c.EncHidden)
	add("enc", "mu.w", false, c.EncHidden, c.Latent)
	add("enc", "mu.b", false, c.Latent)
	add("enc", "logsigma.w", false, c.EncHidden, c.Latent)
	add("enc", "logsigma.b", false, c.Latent)

	s := c.GenSize()
	add("gen", "fc.w", false, c.Latent, c.GenChannels[0]*s*s)
	add("gen", "fc.b", false, c.GenChannels[0]*s*s)
	for i, cin := range c.GenChannels {
		l := fmt.Sprintf("deconv%d", i+1)
		if i+1 < len(c.GenChannels) {
			cout := c.GenChannels[i+1]
			add("gen", l+".w", false, cin, cout, c.GenKernel, c.GenKernel)
			bn("gen", l, cout)
		} else {
			add("gen", l+".w", false, cin, 3, c.GenKernel, c.GenKernel)
			add("gen", l+".b", false, 3)
		}
	}

	in = 3
	for i, ch := range c.DiscChannels {
		l := fmt.Sprintf("conv%d", i+1)
		add("disc", l+".w", false, ch, in, c.DiscKernel, c.DiscKernel)
		if i == 0 {
			add("disc", l+".b", false, ch)
		} else {
			bn("disc", l, ch)
		}
		in = ch
	}
	add("disc", "fc.w", false, in*c.DiscSize()*c.DiscSize(), 1)
	add("disc", "fc.b", false, 1)
	return ps
}

// Count returns the number of trainable parameters of a net ("" for all).
func (c Config) Count(net string) int {
	n := 0
	for _, p := range c.Params() {
		if !p.Stat && (net == "" || p.Net == net) {
			n += p.Size()
		}
	}
	return n
}

// GenMACs is the multiply-accumulate count of one generator forward pass.
func (c Config) GenMACs() int {
	s := c.GenSize()
	macs := c.Latent * c.GenChannels[0] * s * s
	for i, cin := range c.GenChannels {
		cout := 3
		if i+1 < len(c.GenChannels) {
			cout = c.GenChannels[i+1]
		}
		macs += cin * cout * c.GenKernel * c.GenKernel * s * s // each input pixel scatters a K×K patch
		s *= 2
	}
	return macs
}
