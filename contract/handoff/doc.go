// Package handoff is the hand-over file between the fMRI analysis and the
// exporter: what `trainer fmri fit/eval` writes for each subject (the fitted
// decoders per ROI, the training faces' mean latent, the test and imagery
// patterns, the true latents, the voxel coordinates and ROI labels) and, for
// the face model, the gender and smile axes. The layout is specified in
// docs/fmri-outputs.md.
//
// A decoded latent is ẑ = y_roi·D + m, with D the ROI's "decoder.<roi>" and m
// the subject's "latent.mean" (Subject.LatentMean): the analysis fits its
// GLM with mean-centred latents, so D alone gives centred latents.
//
// A subject is one NumPy archive, <dir>/sub-XX/decoders.npz, written with
// package ckpt (float32 arrays and a "__meta__" JSON record), so a
// researcher reads it with numpy.load. Array names follow the site contract
// (docs/site-data.md) so that the exporter copies them one to one:
//
//	s := &fmriout.Subject{ID: "sub-01", Latent: 1024, ...}
//	err := fmriout.Write(fmriout.Path("out/fmri", "sub-01"), s)
//	subs, err := fmriout.ReadDir("out/fmri") // every sub-*/decoders.npz, sorted
//
// Write and Read check the whole content (shapes, ROI consistency, integer
// arrays holding integers in range, finite floats) and name the file and the
// array in every error. Read bounds the file size before loading it.
//
// Synthetic makes a small self-consistent subject (random brain-to-latent map,
// real decoders computed with package decoding) for tests of the analysis's
// consumers; it is marked simulated and says it is synthetic in its
// provenance.
package handoff
