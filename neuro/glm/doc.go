// Package glm is the general linear model of the fMRI analysis: it turns
// event lists into HRF-convolved regressors, assembles a multi-run design,
// and fits every voxel at once by least squares (or ridge), with t and F
// statistics and a rank check that names the offending column.
//
// # Regressors
//
// The HRF is SPM12's canonical double gamma (response 6 s, undershoot 16 s,
// ratio 6, 32 s long; see Canonical), sampled at TR/16 and scaled to unit
// area, so a sustained stimulus of height 1 gives a plateau of 1. An event
// is a boxcar [onset, onset+duration) of height 1 (or a unit-area impulse if
// its duration is 0); its response is evaluated from the HRF's running
// integral, so onsets off the micro-time grid are exact. Regressors are
// evaluated at the middle of each TR (SPM's default T0 = 8 of 16, right for
// data slice-time corrected to the middle slice) or, optionally, its start;
// slice timing is otherwise ignored. HRF.Shift delays the whole response,
// which the simulator uses for per-voxel timing.
//
// Parametric modulators: a Condition's modulators (e.g. the 1024 latent
// values of each training face) each give one column, Σ value·response.
// Every column of a condition comes from one product Responses·values, never
// one convolution per modulator. By default each modulator is mean-centred
// over all events of its condition in the design, as SPM does; the main
// regressor then models the response to the mean stimulus (the decoder's
// bias) and Design.ModulatorMeans records what was subtracted.
//
// # Design
//
// BuildDesign concatenates runs. Task columns (conditions and modulators)
// are shared by all runs; each run adds its own nuisance columns: a
// constant, SPM's DCT high-pass set (cutoff 128 s by default) and its
// confounds (6 motion parameters). Nuisance columns that are combinations
// of earlier ones in their run (an all-zero motion column) are dropped and
// listed in Design.Dropped.
//
// # Fit
//
// Fit solves (XᵀX)B = XᵀY for all voxels with one Cholesky factorization of
// the Gram matrix scaled to unit diagonal, and computes residual sums of
// squares without forming residuals. Design.Fit first projects each run's
// nuisance out of the task columns and the data (Frisch–Waugh–Lovell), which
// gives the same task betas, residuals and degrees of freedom as fitting
// Design.Dense(), at a fraction of the cost when there are hundreds of runs.
// A rank-deficient design gives a *RankError naming the first column that
// is a combination of the columns before it.
//
// Serial correlations: the default is OLS. Betas stay unbiased; t and F use
// the OLS degrees of freedom and so are somewhat liberal, which only
// matters for voxel-selection thresholds (no p-value from them is reported
// as a result). Design.FitAR1 is the option: one AR(1) coefficient per
// subject, estimated from the residuals of a voxel subset and refined by
// Cochrane–Orcutt steps, then the design and data are pre-whitened run by
// run and refitted.
//
// RidgeCV is an addition beyond the paper: a ridge penalty on unit-norm
// columns chosen by leave-one-run-or-session-out cross-validation.
//
// Everything is float64 through gonum's BLAS and LAPACK; a command can swap
// in OpenBLAS with blas64.Use(netlib.Implementation{}).
package glm
