// Package metrics holds the measures by which face reconstructions and
// decoded latents are judged (paper §5 and the face-model evaluation): a
// BLAS-backed correlation matrix for many large rows (on package corr's
// arithmetic, which has the Pearson correlation itself), pairwise
// identification and 1-of-n recognition, SSIM with scikit-image's uniform
// window or Wang et al.'s Gaussian one (the project's one SSIM; the fMRI
// evaluation uses it too), a sharpness ratio, and attribute axes (gender,
// smile) with the sign-of-projection classifier.
//
// Everything here is a pure function of its arguments. Images are float32 CHW
// (channel, row, column) in [0,1]; a batch of n images is n·c·h·w values, image
// after image (SSIMWith also takes float64 and HWC). Latents and other vectors
// are float32 rows, n×d row-major.
// Sums are accumulated in float64.
//
// Lengths that do not match the stated sizes are programming errors and panic
// with a message naming the function, as gonum's mat does; results that are
// mathematically undefined (the correlation of a constant row, the SSIM of an
// image smaller than the window) are NaN.
package metrics
