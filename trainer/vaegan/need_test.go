package vaegan

import (
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"

	"fmriface/infer/arch"
)

// TestGraphsBuildOnlyNeededGradients counts the gradient ops of each step
// graph: the encoder–generator graph differentiates the discriminator only
// with respect to its input (the generated images), never its weights, and
// neither graph differentiates its input images.
func TestGraphsBuildOnlyNeededGradients(t *testing.T) {
	cfg, _ := arch.Preset("tiny")
	w, err := NewWeights(cfg, 1)
	if err != nil {
		t.Fatal(err)
	}
	count := func(ops []string, prefix string) int {
		n := 0
		for _, s := range ops {
			if strings.HasPrefix(s, prefix) {
				n++
			}
		}
		return n
	}
	opsOf := func(nodes G.Nodes) []string {
		var out []string
		for _, n := range nodes {
			if op := n.Op(); op != nil { // inputs and parameters have none
				out = append(out, op.String())
			}
		}
		return out
	}
	eg, err := buildEG(w, 4, LossWeights{KL: 1, Feat: 1, Pix: 1, GAN: 1, NoPriorGAN: true})
	if err != nil {
		t.Fatal(err)
	}
	defer eg.m.Close()
	egOps := opsOf(eg.b.g.AllNodes())
	d, err := buildD(w, 4, 1, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer d.m.Close()
	dOps := opsOf(d.b.g.AllNodes())
	nEnc, nDisc := len(cfg.EncChannels), len(cfg.DiscChannels)
	for _, tc := range []struct {
		name   string
		ops    []string
		prefix string
		want   int
	}{
		// E: every layer's weights; D: none.
		{"encoder-generator graph, conv weight gradients", egOps, "Conv2dDw", nEnc},
		// E: all layers but the first (its input is the images); D: every
		// layer, down to the generated images.
		{"encoder-generator graph, conv input gradients", egOps, "Conv2dDx", nEnc - 1 + nDisc},
		{"encoder-generator graph, batch-norm γ gradients", egOps, "BatchNormELUGrad{1,", nEnc + len(cfg.GenChannels) - 1},
		{"discriminator graph, conv weight gradients", dOps, "Conv2dDw", nDisc},
		{"discriminator graph, conv input gradients", dOps, "Conv2dDx", nDisc - 1},
	} {
		if got := count(tc.ops, tc.prefix); got != tc.want {
			t.Errorf("%s: %d ops %s…, want %d", tc.name, got, tc.prefix, tc.want)
		}
	}
}
