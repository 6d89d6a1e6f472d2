// Package lab runs the paper's decoding experiment on a virtual subject small
// enough for a browser page: a learner picks the design (training faces,
// repetitions of each test face, noise, voxels and region, latent space,
// decoder) and the package simulates the subject's responses, fits the
// encoding model, inverts it, decodes the 20 test faces and scores them with
// the pipeline's measures (package neuro/score).
//
// The brain is the simulator's (neuro/sim), read from the lab data (Data),
// which the exporter computes from the simulator's own code: each voxel's
// response to a face is the subject's face response plus its modulation times
// the face's drive, and the drive is the simulator's, kept as K shared stimulus
// features (a truncated SVD over the faces of every subject's drive) times
// per-voxel loadings. It differs from the full pipeline in three stated ways:
//
//   - responses per trial instead of BOLD time series: each presentation adds
//     independent Gaussian noise of one standard deviation per trial (the noise
//     knob times Data.NoiseUnit, the per-trial equivalent of the simulator's
//     noise scale 1, measured by the exporter), with no HRF, drift, motion or
//     trial-to-trial gain; the training faces are seen once each and a test
//     pattern is the mean of its repetitions, as the pipeline's GLM estimates
//     them;
//   - voxels are taken in order of their true tuning strength (the pipeline
//     selects them by an F test on the training data);
//   - the drive is the K-feature approximation above (Data records how much
//     of the drive's variance it keeps).
//
// The noise enters the fit without forming the trials × voxels matrix. With
// latents X (n × p, centred), features F and loadings B, the training
// responses are Y = F·B + σE with E i.i.d. standard normal; the encoding fit
// W = (XᵀX + cI)⁻¹Xᵀ Y then has the signal part (XᵀX + cI)⁻¹XᵀF·B and the
// noise part σ(XᵀX + cI)⁻¹XᵀE, whose columns are i.i.d. N(0, NNᵀ) with
// N = (XᵀX + cI)⁻¹L, L Lᵀ = XᵀX (more training faces than latent dimensions
// + 1: below that W has rank < P and the inversion does not exist). The decoder ẑ = (WWᵀ)⁻¹W u needs W only
// through WWᵀ and W u, so the voxel space is split into the span Q of B's
// rows and of the test noise vectors, where the noise is drawn explicitly,
// and its complement, whose contribution to WWᵀ is σ²N Ω Nᵀ with Ω a Wishart
// matrix with V − dim Q degrees of freedom, drawn by Bartlett's decomposition.
// The decoded latents have exactly the distribution of the direct
// computation's, at a cost that does not grow with the number of voxels
// beyond one pass over the loadings.
//
// All work is split into steps of about a millisecond under WebAssembly
// (Job), so that the browser app runs it between frames; Run does them in a
// loop for native callers. Everything is deterministic for a seed, natively
// and under WebAssembly.
package lab
