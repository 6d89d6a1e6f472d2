// Package analysis is the fMRI analysis of VanRullen & Reddy (2019) end to
// end: it reads a subject's BOLD runs (a BIDS dataset, simulated by neuro/sim
// or the real ds001761 with fMRIPrep derivatives), builds the paper's GLM
// (training faces with latent parametric modulators, one regressor per test
// face, one-back, imagery, motion and drift), selects voxels on training
// data, splits them into ROIs, inverts the brain-to-latent map
// (ẑ = y·Wᵀ(WWᵀ)⁻¹, plus a cross-validated ridge variant), decodes the test
// and imagery patterns, scores them with the paper's metrics and renders the
// report.
//
// The building blocks live elsewhere (neuro/glm: design and fits;
// neuro/decoding: inversion, selection, ROIs; neuro/score: metrics;
// contract/handoff: the exporter's files; contract/simtruth: the
// simulator's ground truth); this package wires them in the order the paper
// describes and keeps the intermediate results (decoded latents) in a small
// archive so that evaluation and report need no refit. The commands `trainer fmri
// fit|eval|report` only add the face model (latents, generator, PCA).
//
// Where a stimulus came from: a simulated dataset carries its ground truth
// (derivatives/fmriface-sim: stim_file → CelebA file, test-face genders,
// the imagery set); for the real ds001761 the user supplies the same
// information as a mapping table (see ReadStimuli), since the dataset's
// stim_file names are not CelebA files.
package analysis
