// Package haxby reproduces the category decoding of Haxby et al. (2001) on
// the real fMRI data of one of its subjects (the one-slice excerpt that
// PyMVPA ships, kept outside the repository in ../shared/real/haxby2001):
// 12 runs × 121 volumes of a 40 × 20 axial slice, 8 object categories shown
// in 22.5 s blocks, one block per category per run.
//
// The pipeline, all with the project's own code:
//
//  1. Load reads every run with neuro/nifti (bold_1slice.nii.gz),
//     neuro/bids (bold_events.tsv) and neuro/tsv (bold_moest.txt, six motion
//     estimates), checks that runs agree, and keeps the voxels that are
//     non-zero in every volume of every run.
//  2. Fit scales each voxel to percent of its run mean and fits one GLM per
//     run with neuro/glm: 8 block regressors (boxcars convolved with SPM's
//     canonical HRF), the run constant, SPM's DCT high-pass set (128 s) and
//     the 6 motion estimates. The 8 × voxels betas of a run are its
//     category patterns. One more GLM over all runs gives the face >
//     other categories t map.
//  3. Analyze decodes the category with neuro/mvpa, leaving one run out:
//     Haxby's correlation classifier and a shrinkage LDA, on run-centred
//     patterns, with a permutation test that shuffles the category labels
//     within runs (which permutes a run's betas exactly as relabelling its
//     blocks before the GLM would).
//  4. WriteReport writes results.json (config, seed, code version, every
//     number and the arrays a viewer needs) and README.md with PNG figures.
//
// The data are CC BY-SA 3.0 (Haxby et al. 2001); figures derived from them
// carry that attribution.
package haxby
