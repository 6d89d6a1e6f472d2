// Package sim makes virtual subjects: simulated fMRI datasets that follow the
// real protocol of OpenNeuro ds001761 (VanRullen & Reddy 2019) event by event,
// with CelebA faces as stimuli, so that the decoding pipeline can be built and
// checked without the real BOLD images (which cannot be downloaded here).
//
// A virtual subject sees, at the real onsets of the same-named real subject,
// faces drawn from the face model's split: training faces from its training
// part, 20 test faces (10 male, 10 female) and 20 imagery candidates (one of
// them imagined) from its test part, never trained on. Its "brain" is a voxel
// grid with a cortical shell split into occipital, temporal and frontoparietal
// regions, whose voxels respond to image features that have nothing to do with
// either latent space the analysis compares (VAE-GAN or PCA):
//
//   - occipital voxels: retinotopic Gaussian receptive fields over a Gabor
//     energy bank of the 64×64 image (4 orientations, 3 spatial frequencies,
//     luminance and R−G / B−Y colour-opponent channels, plus local mean colour);
//   - temporal voxels: large receptive fields over the same features, mixed with
//     the face's 40 CelebA attributes;
//   - frontoparietal voxels: weak tuning, mostly noise (plus a small response to
//     the one-back button press).
//
// Tuning varies smoothly across neighbouring voxels (it is drawn from smoothed
// random fields). Each trial's neural response has trial-to-trial variability;
// the BOLD signal is the response convolved with a double-gamma HRF whose
// latency varies per voxel, plus AR(1) noise, slow drift, a shared physiological
// fluctuation and the intensity change caused by small head movements (6
// random-walk parameters, also written as an fMRIPrep-style confounds table).
// Imagery trials evoke a weak, mostly temporal response to the imagined face.
// One noise scalar per subject scales every noise source relative to the signal.
//
// Output (Simulate): a BIDS dataset that bids.Open reads — int16 BOLD with
// scl_slope, events.tsv copied from the real design, sidecars and a
// dataset_description.json that says the data are SIMULATED — and a derivative
// folder derivatives/fmriface-sim with the ground truth: masks, ROI labels, true
// tuning, the stimulus mapping (stim_file → CelebA file), the test and imagery
// faces and the confounds. OpenDataset and ReadROIs give them back; the
// stimulus mapping and the test and imagery faces are written and read
// through package contract/simtruth, the analysis's side of the contract.
//
// Everything is deterministic for a seed: every random stream is derived from
// (seed, subject, purpose[, run]), never from the order work is scheduled in.
package sim
