package main

import (
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// options are the command's flags.
type options struct {
	Model    string   `json:"model"`
	Axes     string   `json:"axes"`
	FMRI     string   `json:"fmri"`
	Out      string   `json:"-"` // not in provenance: the bytes must not depend on where they go
	PSNR     float64  `json:"psnr_db_bar"`
	Corr     float64  `json:"latent_corr_bar"`
	Pairwise int      `json:"pairwise_changed_bar"`
	GPTQ     bool     `json:"gptq"`
	Date     string   `json:"-"`
	Args     []string `json:"-"`
	// Real is the real-fMRI report that the realbrain file is built from
	// (real.go); recorded in that file's provenance, not the generator's.
	Real     string `json:"-"`
	realSet  bool   // --real was given
	RealOnly bool   `json:"-"` // only add the realbrain file to the site data in --out (addReal)
	// PCA exports the PCA baseline too. It is not in the provenance (nor,
	// see bundleArgs, in the command the VAE-GAN's bundles record): they
	// keep their bytes with or without it.
	PCA bool `json:"-"`
}

// bundleArgs is the command line recorded in the generator's and the
// subjects' bundles: Args without --pca, which does not change them.
func (o options) bundleArgs() []string {
	var out []string
	for _, a := range o.Args {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && name == "pca" {
			continue
		}
		out = append(out, a)
	}
	return out
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("exporter", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	fs.StringVar(&o.Model, "model", "models/default/model.npz", "trained face model (npz)")
	fs.StringVar(&o.Axes, "axes", "", "male/smile axes (npz; default: axes.npz next to --model)")
	fs.StringVar(&o.FMRI, "fmri", "out/fmri", "folder of sub-XX/decoders.npz")
	fs.StringVar(&o.Out, "out", "out/site-data", "output folder")
	fs.Float64Var(&o.PSNR, "psnr", 40, "bar: PSNR in dB of quantized vs float32 faces")
	fs.Float64Var(&o.Corr, "corr", 0.999, "bar: correlation of quantized vs float decoded latents")
	fs.IntVar(&o.Pairwise, "pairwise", 1, "bar: pairwise-test pair outcomes that quantization may flip per subject")
	fs.BoolVar(&o.GPTQ, "gptq", true, "round the decoders with GPTQ, calibrated on the patterns the site decodes (false: plain rounding)")
	fs.BoolVar(&o.PCA, "pca", true, "also export the PCA baseline: --fmri's pca.npz and sub-XX/decoders-pca.npz (trainer fmri fit --models vaegan,pca)")
	fs.StringVar(&o.Date, "date", "", "date for index.json (default: when the model was saved)")
	fs.StringVar(&o.Real, "real", defaultReal, "results.json of trainer real haxby, for the site's realbrain file (\"\": none)")
	fs.BoolVar(&o.RealOnly, "real-only", false, "only (re)write the realbrain file from --real into the site data already in --out, and list it in its index.json")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	fs.Visit(func(f *flag.Flag) { o.realSet = o.realSet || f.Name == "real" })
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.Axes == "" {
		o.Axes = filepath.Join(filepath.Dir(o.Model), "axes.npz")
	}
	if !(o.PSNR > 0) || !(o.Corr > 0 && o.Corr < 1) || o.Pairwise < 0 {
		return o, fmt.Errorf("bars out of range: --psnr %v (> 0), --corr %v (in (0, 1)), --pairwise %d (≥ 0)", o.PSNR, o.Corr, o.Pairwise)
	}
	o.Args = append([]string{"exporter"}, args...)
	return o, nil
}
