package featnet

import (
	"fmt"
	"math"

	"fmriface/face/features"
)

// CheckForward runs images (n×3·S·S) through the gorgonia graph in inference
// mode and through package features' pure-Go forward pass, and returns the
// largest absolute difference at each level ("blocks", "mid", "embedding",
// "attr", "id") and the largest absolute value there (its scale).
func CheckForward(cfg features.Config, w map[string][]float32, x []float32, n int) (diff, scale map[string]float64, err error) {
	per := 3 * cfg.ImageSize * cfg.ImageSize
	if len(x) != n*per {
		return nil, nil, fmt.Errorf("check: %d values for %d images", len(x), n)
	}
	g, err := newGraph(cfg, w, n, false, 0)
	if err != nil {
		return nil, nil, err
	}
	defer g.close()
	if err := g.run(x); err != nil {
		return nil, nil, err
	}
	net, err := features.New(cfg, w)
	if err != nil {
		return nil, nil, err
	}
	diff, scale = map[string]float64{}, map[string]float64{}
	note := func(name string, got, all []float32, i int) {
		k := len(got)
		for j, v := range got {
			ref := float64(all[i*k+j])
			d := math.Abs(float64(v) - ref)
			if d > diff[name] || math.IsNaN(d) {
				diff[name] = d
			}
			scale[name] = math.Max(scale[name], math.Abs(ref))
		}
	}
	mb := cfg.MidBlock
	side, ch := cfg.BlockSide(mb), cfg.Blocks[mb-1].Out
	mid := make([]float32, cfg.MidSize())
	for i := 0; i < n; i++ {
		a, err := net.Forward(x[i*per : (i+1)*per])
		if err != nil {
			return nil, nil, err
		}
		for b, blk := range a.Blocks {
			note("blocks", blk, g.blockV[b].Data().([]float32), i)
		}
		note("embedding", a.Embedding, g.embedV.Data().([]float32), i)
		note("attr", a.AttrLogits, g.attrV.Data().([]float32), i)
		if a.IDLogits != nil {
			note("id", a.IDLogits, g.idV.Data().([]float32), i)
		}
		// the mid level is the graph's block map, pooled
		all := g.blockV[mb-1].Data().([]float32)
		features.AvgPool(mid, all[i*ch*side*side:(i+1)*ch*side*side], ch, side, cfg.MidPool)
		note("mid", a.Mid, mid, 0)
	}
	return diff, scale, nil
}
