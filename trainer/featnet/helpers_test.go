package featnet

import (
	"math/rand/v2"

	"fmriface/face/features"
)

// smallConfig is a network small enough for gradient and resume tests.
func smallConfig() features.Config {
	return features.Config{ImageSize: 16, Blocks: []features.Block{{Out: 4, Convs: 1}, {Out: 8, Convs: 2}},
		Embed: 6, Attrs: 3, Identities: 5, MidBlock: 1, MidPool: 2}
}

// randomize gives every batch norm non-trivial parameters and statistics,
// so that a test sees whether they are applied.
func randomize(cfg features.Config, w map[string][]float32, seed uint64) {
	r := rand.New(rand.NewPCG(seed, 7))
	for _, p := range cfg.Params() {
		d := w[p.Name]
		for i := range d {
			switch {
			case hasSuffix(p.Name, ".bn.var"):
				d[i] = float32(0.2 + r.Float64())
			case hasSuffix(p.Name, ".bn.gamma"):
				d[i] = float32(0.5 + r.Float64())
			case hasSuffix(p.Name, ".bn.beta"), hasSuffix(p.Name, ".bn.mean"), hasSuffix(p.Name, ".b"):
				d[i] = float32(0.3 * r.NormFloat64())
			}
		}
	}
}

func hasSuffix(s, suf string) bool { return len(s) >= len(suf) && s[len(s)-len(suf):] == suf }

func randomImages(n, size int, seed uint64) []float32 {
	r := rand.New(rand.NewPCG(seed, 3))
	x := make([]float32, n*3*size*size)
	for i := range x {
		x[i] = r.Float32()
	}
	return x
}

// randomData is a labelled data set of n random images.
func randomData(cfg features.Config, n int, seed uint64) Data {
	r := rand.New(rand.NewPCG(seed, 11))
	d := Data{X: randomImages(n, cfg.ImageSize, seed)}
	for i := 0; i < n; i++ {
		for a := 0; a < cfg.Attrs; a++ {
			d.Attr = append(d.Attr, float32(r.IntN(2)))
		}
		d.ID = append(d.ID, int32(r.IntN(cfg.Identities+1)-1))
	}
	return d
}
