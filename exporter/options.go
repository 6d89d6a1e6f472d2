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
	codeVersion string  // version.String() at the start
	Model       string  `json:"model"`
	Axes        string  `json:"axes"`
	FMRI        string  `json:"fmri"`
	Out         string  `json:"-"` // not in provenance: the bytes must not depend on where they go
	PSNR        float64 `json:"psnr_db_bar"`
	Corr        float64 `json:"latent_corr_bar"`
	Pairwise    int     `json:"pairwise_changed_bar"`
	GPTQ        bool    `json:"gptq"`
	// GPTQMaxVoxels caps the decoders rounded with GPTQ (0: DefaultGPTQMaxVoxels);
	// larger ones are rounded plainly. Omitted from the provenance when 0,
	// so that bundles exported with the default keep their bytes.
	GPTQMaxVoxels int      `json:"gptq_max_voxels,omitempty"`
	Date          string   `json:"-"`
	Args          []string `json:"-"`
	// Real is the real-fMRI report that the realbrain file is built from
	// (real.go); recorded in that file's provenance, not the generator's.
	Real     string `json:"-"`
	realSet  bool   // --real was given
	RealOnly bool   `json:"-"` // only add the realbrain file to the site data in --out (addReal)
	// PCA exports the PCA baseline too. It is not in the provenance (nor,
	// see bundleArgs, in the command the VAE-GAN's bundles record): they
	// keep their bytes with or without it.
	PCA bool `json:"-"`
	// Lab is trainer fmri lab's output, the Lab panel's data (lab.go);
	// LabPipeline the full pipeline's eval.json it is checked against.
	Lab           string  `json:"-"`
	labSet        bool    // --lab was given
	LabOnly       bool    `json:"-"`
	LabPipeline   string  `json:"-"`
	LabReps       int     `json:"-"`
	LabVoxelShare float64 `json:"-"`
	LabSeeds      int     `json:"-"`
	LabTolerance  float64 `json:"-"`
	LabNoiseUnit  float64 `json:"-"`
}

// DefaultGPTQMaxVoxels is the largest decoder (in voxels) rounded with GPTQ
// by default: its voxels × voxels matrix takes 8·V² bytes (1.2 GB here)
// and its factorization V³/3 operations, so a subject at the real study's
// scale (tens of thousands of selected voxels) is rounded plainly instead.
const DefaultGPTQMaxVoxels = 12000

// gptqMaxVoxels is the cap in effect.
func (o options) gptqMaxVoxels() int {
	if o.GPTQMaxVoxels > 0 {
		return o.GPTQMaxVoxels
	}
	return DefaultGPTQMaxVoxels
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
	fs.IntVar(&o.GPTQMaxVoxels, "gptq-max-voxels", 0, fmt.Sprintf("round decoders of more voxels than this plainly instead of with GPTQ, whose voxels × voxels matrix would not fit (0 = %d: %.1f GB)", DefaultGPTQMaxVoxels, float64(DefaultGPTQMaxVoxels)*float64(DefaultGPTQMaxVoxels)*8/1e9))
	fs.BoolVar(&o.PCA, "pca", true, "also export the PCA baseline: --fmri's pca.npz and sub-XX/decoders-pca.npz (trainer fmri fit --models vaegan,pca)")
	fs.StringVar(&o.Date, "date", "", "date for index.json (default: when the model was saved)")
	fs.StringVar(&o.Real, "real", defaultReal, "results.json of trainer real haxby, for the site's realbrain file (\"\": none)")
	fs.BoolVar(&o.RealOnly, "real-only", false, "only (re)write the realbrain file from --real into the site data already in --out, and list it in its index.json")
	fs.StringVar(&o.Lab, "lab", defaultLab, "lab.npz of trainer fmri lab, for the Lab panel's files (\"\": none)")
	fs.BoolVar(&o.LabOnly, "lab-only", false, "only (re)write the Lab panel's files from --lab into the site data already in --out, and list them in its index.json")
	fs.StringVar(&o.LabPipeline, "lab-pipeline", defaultLabPipeline, "the full pipeline's eval.json the lab is calibrated and checked against (default, when missing: the table of "+labReport+")")
	fs.IntVar(&o.LabReps, "lab-test-reps", 45, "presentations of a test face in the full experiment (ds001761: 45 to 56)")
	fs.Float64Var(&o.LabVoxelShare, "lab-voxel-share", 0.5, "share of a subject's voxels the lab uses at the full settings when the pipeline's count is unknown (its median-F selection keeps about half)")
	fs.IntVar(&o.LabSeeds, "lab-seeds", 3, "lab runs (seeds) averaged per subject in the calibration and the check")
	fs.Float64Var(&o.LabTolerance, "lab-tolerance", 0.05, "bar: the lab's pairwise accuracy at the full settings within this of the pipeline's, per subject")
	fs.Float64Var(&o.LabNoiseUnit, "lab-noise-unit", 0, "use this noise unit instead of calibrating it (a re-export of the same lab data, e.g. with its PCA latents added: the unit its last export recorded); the check against the pipeline still runs")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	fs.Visit(func(f *flag.Flag) {
		o.realSet = o.realSet || f.Name == "real"
		o.labSet = o.labSet || f.Name == "lab"
	})
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments %q", fs.Args())
	}
	if o.Axes == "" {
		o.Axes = filepath.Join(filepath.Dir(o.Model), "axes.npz")
	}
	if o.GPTQMaxVoxels < 0 {
		return o, fmt.Errorf("--gptq-max-voxels %d: want a voxel count (0 = the default)", o.GPTQMaxVoxels)
	}
	if !(o.PSNR > 0) || !(o.Corr > 0 && o.Corr < 1) || o.Pairwise < 0 {
		return o, fmt.Errorf("bars out of range: --psnr %v (> 0), --corr %v (in (0, 1)), --pairwise %d (≥ 0)", o.PSNR, o.Corr, o.Pairwise)
	}
	o.Args = append([]string{"exporter"}, args...)
	return o, nil
}
