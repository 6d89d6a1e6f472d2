// Package handoff is the contract between the fMRI analysis and the exporter:
// the files `trainer fmri fit/eval` writes for each subject (the fitted
// decoders per ROI, the training faces' mean latent, the test and imagery
// patterns, the true latents, the voxel coordinates and ROI labels) and,
// for the face model, the gender and smile axes that `trainer faces eval`
// writes. The layout is specified in docs/fmri-outputs.md; this package is
// the only code that writes or reads these files.
//
// A decoded latent is ẑ = y_roi·D + m, with D the ROI's "decoder.<roi>" and m
// the subject's "latent.mean" (Subject.LatentMean): the analysis fits its
// GLM with mean-centred latents, so D alone gives centred latents.
//
// A subject is one NumPy archive, <dir>/sub-XX/decoders.npz, written with
// package ckpt (float32 arrays and a "__meta__" JSON record), so a
// researcher reads it with numpy.load. Array names follow the site contract
// (docs/site-data.md, package contract/sitedata) so that the exporter copies
// them one to one:
//
//	s := &handoff.Subject{ID: "sub-01", Latent: 1024, ...}
//	err := handoff.Write(handoff.Path("out/fmri", "sub-01"), s)
//	subs, err := handoff.ReadDir("out/fmri") // every sub-*/decoders.npz, sorted
//
// What a valid subject is, is said in one place, Subject.Validate (shapes,
// ROI consistency, labels and flags in range, finite floats), and for the
// axes in Axes.Validate. Write and WriteAxes call it before writing; Read and
// ReadAxes call it after decoding, which itself checks only what decoding
// needs (the format, the arrays that __meta__ announces with its sizes, whole
// numbers where integers are stored). Errors name the file and the array.
// Read bounds the file size (MaxFileBytes, MaxAxesBytes) before loading it.
//
// Synthetic makes a small self-consistent subject (random brain-to-latent map,
// real decoders computed with package decoding) for tests of the analysis's
// consumers; it is marked simulated and says it is synthetic in its
// provenance.
package handoff
