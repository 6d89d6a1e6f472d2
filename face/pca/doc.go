// Package pca is the linear face space of the paper's baseline (§2, after
// Cowen et al. 2014): the first K principal components of the training images.
// An image becomes K coefficients (Encode) and K coefficients become an image
// again (Decode, the inverse transform mean + Σ coefᵢ·componentᵢ).
//
// The package knows nothing about faces: a "row" is any float32 vector of
// length D (a CHW image flattened, 3×64×64 = 12,288 values for the default
// face model), so the fMRI analysis can use it for PCA coefficients of stimuli
// as well.
//
// Fit uses a randomized SVD (Halko, Martinsson & Tropp 2011, Algorithm 4.4
// followed by 5.1): a seeded Gaussian test matrix with K+p columns
// (p = oversampling, 64 by default), q power iterations (2 by default) with
// re-orthonormalisation by Householder QR after every product, then an exact
// SVD of the small (K+p)×(K+p) factor. The data are never copied as a whole:
// rows are centred in blocks on the fly. The passes over the data are float32
// matrix products (the data and the stored components are float32); the
// orthonormalisations and the small SVD are float64. Extra memory is about
// 24·max(N, D)·(K+p) bytes plus one block (≈ 400 MB for the CelebA subset at
// 64×64 with K = 1024). Products go through gonum's BLAS; call fastblas.Use()
// first to route them through OpenBLAS.
//
// Components are orthonormal rows, sorted by decreasing explained variance,
// with a deterministic sign (the entry of largest magnitude is positive), so
// the same data and seed give the same model.
//
// Models are stored as .npz (package ckpt) with these entries:
//
//	mean                (D,)    float32  per-pixel mean of the training rows
//	components          (K, D)  float32  orthonormal rows
//	explained_variance  (K,)    float32  variance along each component (divisor N−1)
//	__meta__                    JSON     format "fmriface-pca", version, fit config
//
// so that numpy reads them with numpy.load.
package pca
