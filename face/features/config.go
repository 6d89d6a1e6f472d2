package features

import "fmt"

// BNEpsilon is added to the variance in every batch norm of the network.
const BNEpsilon = 1e-5

// Block is a stage of the network: Convs 3×3 convolutions to Out channels,
// the first with stride 2, the others with stride 1, each followed by batch
// norm and ELU.
type Block struct {
	Out   int `json:"out"`
	Convs int `json:"convs"`
}

// Config describes the network.
type Config struct {
	ImageSize int     `json:"image_size"` // input side (64)
	Blocks    []Block `json:"blocks"`
	Embed     int     `json:"embed"` // embedding size (the high level)
	Attrs     int     `json:"attrs"` // attribute logits (40 for CelebA)
	// Identities is the number of training persons in the identity head (0 = no head).
	Identities int `json:"identities"`
	// MidBlock (1-based) is the block whose map is the mid level, averaged
	// over non-overlapping windows down to MidPool×MidPool.
	MidBlock int `json:"mid_block"`
	MidPool  int `json:"mid_pool"`
}

// Default is the shipped architecture (before the identity count is known).
func Default() Config {
	return Config{ImageSize: 64, Blocks: []Block{{32, 1}, {64, 2}, {128, 2}, {256, 2}},
		Embed: 256, Attrs: 40, MidBlock: 3, MidPool: 4}
}

// Param is one tensor of the network: name and shape. Convolution weights
// are (Cout, Cin, 3, 3); linear weights (In, Out); batch-norm tensors (C).
type Param struct {
	Name  string
	Shape []int
	// Stat marks running statistics (batch-norm mean and variance), which
	// are not trained by gradient.
	Stat bool
}

// Size is the number of values.
func (p Param) Size() int {
	n := 1
	for _, d := range p.Shape {
		n *= d
	}
	return n
}

// Kernel is the side of every convolution.
const Kernel = 3

// ConvName is the weight name of convolution j (1-based) of block i (1-based).
func ConvName(i, j int) string { return fmt.Sprintf("b%d.c%d", i, j) }

// Validate checks that the configuration describes a network this package runs.
func (c Config) Validate() error {
	if c.ImageSize <= 0 || len(c.Blocks) == 0 || c.Embed <= 0 || c.Attrs <= 0 || c.Identities < 0 {
		return fmt.Errorf("features: bad configuration %+v", c)
	}
	s := c.ImageSize
	for i, b := range c.Blocks {
		if b.Out <= 0 || b.Convs <= 0 {
			return fmt.Errorf("features: block %d has %d channels and %d convolutions", i+1, b.Out, b.Convs)
		}
		if s%2 != 0 {
			return fmt.Errorf("features: block %d gets a %d×%d map, want an even side", i+1, s, s)
		}
		s /= 2
	}
	if c.MidBlock < 1 || c.MidBlock > len(c.Blocks) {
		return fmt.Errorf("features: mid block %d, have %d blocks", c.MidBlock, len(c.Blocks))
	}
	side := c.BlockSide(c.MidBlock)
	if c.MidPool <= 0 || side%c.MidPool != 0 {
		return fmt.Errorf("features: mid level pools a %d×%d map to %d×%d", side, side, c.MidPool, c.MidPool)
	}
	return nil
}

// BlockSide is the side of block i's output map (1-based).
func (c Config) BlockSide(i int) int { return c.ImageSize >> i }

// MidSize is the length of the mid level.
func (c Config) MidSize() int { return c.Blocks[c.MidBlock-1].Out * c.MidPool * c.MidPool }

// Params lists every tensor in a fixed order.
func (c Config) Params() []Param {
	var ps []Param
	bn := func(prefix string, ch int) {
		ps = append(ps, Param{Name: prefix + ".bn.gamma", Shape: []int{ch}}, Param{Name: prefix + ".bn.beta", Shape: []int{ch}},
			Param{Name: prefix + ".bn.mean", Shape: []int{ch}, Stat: true}, Param{Name: prefix + ".bn.var", Shape: []int{ch}, Stat: true})
	}
	in := 3
	for i, b := range c.Blocks {
		for j := 1; j <= b.Convs; j++ {
			name := ConvName(i+1, j)
			ps = append(ps, Param{Name: name + ".w", Shape: []int{b.Out, in, Kernel, Kernel}})
			bn(name, b.Out)
			in = b.Out
		}
	}
	ps = append(ps, Param{Name: "embed.w", Shape: []int{in, c.Embed}})
	bn("embed", c.Embed)
	ps = append(ps, Param{Name: "attr.w", Shape: []int{c.Embed, c.Attrs}}, Param{Name: "attr.b", Shape: []int{c.Attrs}})
	if c.Identities > 0 {
		ps = append(ps, Param{Name: "id.w", Shape: []int{c.Embed, c.Identities}}, Param{Name: "id.b", Shape: []int{c.Identities}})
	}
	return ps
}

// Count is the number of parameters (running statistics included).
func (c Config) Count() int {
	n := 0
	for _, p := range c.Params() {
		n += p.Size()
	}
	return n
}
