package handoff

import "path/filepath"

// The PCA baseline's hand-off (docs/fmri-outputs.md → "The PCA baseline"),
// written by `trainer fmri fit` when it fits the pca latent space:
//
//   - <dir>/sub-XX/decoders-pca.npz, one per subject: a Subject of this
//     package with Space SpacePCA, whose latents are the K coefficients of
//     the PCA (Latent = K). The PCA fit selects its own voxels, so the file
//     holds its own voxels, ROIs, decoders and patterns, in the layout of
//     decoders.npz; its __meta__ record adds "latent_space": "pca".
//   - <dir>/pca.npz, the PCA itself (mean image and K components), in the
//     model format of package face/pca, which reads and checks it (pca.Load).
//
// Both are optional: an analysis that fitted only the VAE-GAN writes neither.
const (
	SpacePCA     = "pca"              // Subject.Space of the PCA baseline's subjects
	PCAFileName  = "decoders-pca.npz" // the PCA subject file in its sub-XX folder
	PCABasisName = "pca.npz"          // the PCA model beside the subject folders
)

// PCAPath is the PCA subject file of subject id under dir:
// dir/id/decoders-pca.npz.
func PCAPath(dir, id string) string { return filepath.Join(dir, id, PCAFileName) }

// PCABasisPath is the PCA model under dir: dir/pca.npz.
func PCABasisPath(dir string) string { return filepath.Join(dir, PCABasisName) }

// ReadPCADir reads every dir/sub-*/decoders-pca.npz, sorted by subject; each
// must hold a subject in SpacePCA.
func ReadPCADir(dir string) ([]*Subject, error) {
	return readDir(dir, PCAFileName, SpacePCA, "fit the PCA baseline (trainer fmri fit --models vaegan,pca)")
}
