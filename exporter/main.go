// Exporter writes the files the website downloads (docs/site-data.md): the
// face generator and one bundle per subject, in the bundle format of
// docs/bundle-format.md, plus the index.json the page reads first.
//
// Usage:
//
//	go run ./exporter [flags]
//
// The flags are:
//
//	--model models/default/model.npz
//		the trained face model (ckpt npz: encoder and generator, batch-norm
//		running statistics included, "fmriface-vaegan-model/1" record).
//	--axes  <model folder>/axes.npz
//		the male and smile axes in latent space, written by the face
//		evaluation (`trainer faces eval`); format in docs/fmri-outputs.md.
//	--fmri  out/fmri
//		the fMRI analysis outputs: one sub-XX/decoders.npz per subject
//		(docs/fmri-outputs.md).
//	--out   out/site-data
//		where to write the bundles, index.json and export-report.json.
//	--psnr 40, --corr 0.999, --pairwise 1
//		the fidelity bars (see below).
//	--gptq true
//		round the decoders with GPTQ, calibrated on the patterns the site
//		decodes (see below); false: plain rounding.
//	--pca true
//		also export the PCA baseline (see below) from --fmri's pca.npz and
//		sub-XX/decoders-pca.npz; false: the VAE-GAN alone.
//	--date  the date recorded in index.json; by default the date the face
//		model was saved, so that the same inputs give the same bytes.
//	--real  reports/haxby/results.json
//		the real-fMRI analysis (trainer real haxby) from which the site's
//		realbrain file, the "Real brain" panel's data, is built (real.go;
//		"" for none; the default is skipped with a note where it is missing).
//	--real-only
//		only (re)write the realbrain file into the site data already in
//		--out (any index.json: the exporter's, or the test fixture's) and
//		list it there, leaving every other file as it is.
//
// What it does:
//
// Batch norm is folded into the transposed convolution before it (package
// fold), so the generator bundle holds a weight and a bias per layer.
//
// Every float tensor is stored in the smallest encoding whose measured error
// meets the tensor's own bound, trying q3, then q4, q8, f16 and f32. The bound is
// end to end: for a generator tensor, the mean squared pixel error that
// quantizing it alone causes on the faces of the test latents, which must stay
// under its share (proportional to its size) of the error a PSNR of --psnr
// plus 1 dB allows; for a decoder or a pattern, 1 − the smallest correlation
// between the latents decoded with it quantized alone and the float latents,
// which must stay under 0.6·(1 − --corr) for a decoder and 0.3·(1 − --corr)
// for a pattern (a decoded latent goes through one of each, and the decoders
// are a hundred times larger), with no pairwise outcome flipped;
// for true latents and axes, a relative RMS error of 1 % (latents, with no
// pairwise outcome flipped) or 0.1 % (axes). If the tensors chosen together
// miss a bar, the tensor whose error is largest relative to its bound moves
// up one encoding until the bars hold.
//
// The decoders are rounded to q3, q4 or q8 with GPTQ (--gptq, on by default):
// row by row, each voxel row's rounding error is compensated on the rows
// not yet rounded, weighted by the inverse of XᵀX, where X holds the
// patterns the site decodes (test patterns, fewer-trial averages, imagery).
// There are about a hundred such patterns per subject against 1,500–4,900
// voxels, so the error can be moved almost entirely out of the directions
// they span: the all-voxel decoders pass the bars at q4 with 1 − correlation
// 4·10⁻⁵ (7·10⁻³ with plain rounding), and at q3 with 2.2–2.6·10⁻⁴, so they
// are stored in 3.5 bits per value; the region decoders, with a third of
// the voxels for the same patterns, need q4 (1.3–2.6·10⁻³ at q3). For
// patterns outside that set the decoders are somewhat worse than plainly
// rounded ones (1.4 times the output error in the package's test); the site
// decodes none. --gptq=false rounds plainly.
//
// After writing, the exporter reads the bundles back from disk, loads each
// through the browser app's loaders (package infer/site: a bundle the page
// would refuse is an error), and checks the bars: faces from the stored generator against the float32 model over the
// test, imagery and decoded latents of every subject, PSNR ≥ --psnr dB
// (pooled over all faces); latents decoded from the stored decoders and
// patterns correlate ≥ --corr with the float pipeline's, for every ROI and
// pattern; and each subject's pairwise test (all voxels) has at most
// --pairwise of its N(N−1) pair outcomes flipped. It prints a table of size
// and error per tensor and writes it, with the bars, to export-report.json.
// index.json is written only when every bar holds; otherwise the exporter
// exits with status 1.
//
// The PCA baseline (--pca): the paper's 1024-component pixel PCA beside the
// VAE-GAN, downloaded when the app first shows the comparison. Its bundle
// holds the mean image and the components, row by row in the coarsest
// encoding that keeps the row's share of the face error: the rows share the
// budget of --psnr plus 0.5 dB by reverse water-filling (each row's step
// √(12θ/w_k), w_k the energy of its coefficients in the faces of the bar,
// stored as its scale floor, quant.EncodeFloor), and consecutive rows of one
// encoding form a band (at most five). Each subject's PCA fit (its own voxels) is
// a bundle and a regions file in the subject layout, encoded like the
// VAE-GAN subject's but for the decoders, each on one uniform q8 grid (the
// coarsest step that keeps its bound, GPTQ-rounded). The same bars hold, measured the same way: faces drawn
// through the app's loader (package infer/site) from the stored basis
// against the float PCA's, over the PCA's test, imagery and decoded
// latents; decoded PCA latents against the float pipeline's; the pairwise
// test on the PCA latents. export-report.json reports each space apart
// ("vaegan", "pca") and the bytes of each part of a visit ("bytes_parts").
// The generator's and the subjects' bundles do not depend on --pca.
//
// Files are named by content (generator.<8 hex of the SHA-256>.fmb,
// sub-XX.<hash>.fmb; index.json lists each file's size and the SHA-256 of
// the whole file, what crypto.subtle.digest gives over the download), written atomically, and byte-identical for the same
// inputs and flags. Bundles of earlier exports that the new index.json does
// not list are removed from --out.
package main

import (
	"fmt"
	"io"
	"os"

	"fmriface/util/fastblas"
	"fmriface/util/version"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "exporter:", err)
		os.Exit(1)
	}
}

// run is the whole command, testable.
func run(args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	// Once, before anything is written: without a build stamp the version
	// comes from git, which would call the tree dirty as soon as the export
	// writes into a checked-in --out (site/data).
	o.codeVersion = version.String()
	if o.RealOnly {
		return addReal(o, stdout, stderr)
	}
	if o.LabOnly {
		o.labSet = true // the data must exist
		return addLab(o, stdout, stderr)
	}
	fastblas.Use() // the decoders' calibrated rounding factorizes voxel × voxel matrices
	return export(o, stdout, stderr)
}
