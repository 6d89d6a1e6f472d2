// Package decoding inverts the brain-to-latent map of the GLM: given W
// (k × V: one row per latent dimension plus the bias row last, one column
// per voxel), a voxel pattern y is decoded as ẑ = y·Wᵀ(WWᵀ)⁻¹ with the
// bias element dropped (the paper's eq. for least-squares inversion). The
// V × k matrix D = Wᵀ(WWᵀ)⁻¹ is computed once (Decoder.Matrix), so the
// browser only does ẑ = y·D + m, m being the mean the GLM's centring took
// from the latents (contract/handoff's latent.mean).
//
// It also holds the voxel-selection helpers: threshold masks from t and F
// maps, and the paper's ROI split of the selected voxels. Coordinates are
// RAS (x to the subject's right, y anterior, z superior), e.g. scanner
// millimetres from the NIfTI sform or voxel indices of a RAS-oriented
// volume: the most posterior third (smallest y) of the selected voxels is
// "occipital"; the others are split at their median z into "temporal"
// (lower) and "frontoparietal" (upper).
package decoding
