package sitedata

import (
	"errors"
	"fmt"
)

// The PCA baseline (the paper's 1024-component pixel PCA, shown beside the
// VAE-GAN): its face space in one bundle, and per subject a bundle of the
// decoders into it, with its regions file. All are optional entries of the
// index, downloaded when the comparison is first shown; docs/site-data.md.
const (
	PCAKind        = "pca"                 // the PCA's mean image and components
	PCASubjectKind = "pca-subject"         // one subject's PCA patterns, latents and "all" decoder
	PCARegionsKind = "pca-subject-regions" // its PCA decoders of the regions other than "all"
)

// PCABandPrefix starts the names of the PCA bundle's component bands:
// basis.000, basis.001, …, each a band of consecutive rows (components),
// in order, each stored in its own encoding.
const PCABandPrefix = "basis."

// PCABandName is the name of band i (0 ≤ i < 1000).
func PCABandName(i int) string { return fmt.Sprintf("%s%03d", PCABandPrefix, i) }

// PCASubjectRef is a subject's PCA entry: its bundle (voxels, patterns and
// the all-voxel decoder of the PCA fit, which selects its own voxels) and
// the regions file.
type PCASubjectRef struct {
	FileRef
	NVoxels       int      `json:"n_voxels"`
	PairwiseFloat float64  `json:"pairwise_float"`
	Regions       *FileRef `json:"regions,omitempty"`
}

// validate checks a subject's PCA entry (nil: none); haveBasis says whether
// the index lists the PCA bundle, without which the entry is useless. seen
// collects the file names listed so far.
func (p *PCASubjectRef) validate(what string, haveBasis bool, seen map[string]bool) error {
	if p == nil {
		return nil
	}
	if !haveBasis {
		return fmt.Errorf("%s: a subject's PCA files need the pca entry, which the index lacks", what)
	}
	refs := []struct {
		what string
		ref  *FileRef
	}{{what, &p.FileRef}, {what + ".regions", p.Regions}}
	for _, r := range refs {
		if r.ref == nil {
			continue
		}
		if err := r.ref.validate(r.what); err != nil {
			return err
		}
		if seen[r.ref.File] {
			return fmt.Errorf("%s: file %q listed twice", r.what, r.ref.File)
		}
		seen[r.ref.File] = true
	}
	if p.NVoxels <= 0 {
		return fmt.Errorf("%s: n_voxels %d must be positive", what, p.NVoxels)
	}
	return nil
}

// validatePCA checks the PCA bundle's entry, after the subjects'.
func (ix *Index) validatePCA(seen map[string]bool) error {
	if ix.PCA == nil {
		return nil
	}
	if err := ix.PCA.validate("pca"); err != nil {
		return err
	}
	if seen[ix.PCA.File] {
		return fmt.Errorf("pca: file %q listed twice", ix.PCA.File)
	}
	for _, s := range ix.Subjects {
		if s.PCA != nil {
			return nil
		}
	}
	return errors.New("pca: no subject has PCA files")
}

// appendPCAFiles appends the PCA bundle and each subject's PCA files.
func (ix *Index) appendPCAFiles(refs []FileRef) []FileRef {
	if ix.PCA == nil {
		return refs
	}
	refs = append(refs, *ix.PCA)
	for _, s := range ix.Subjects {
		if s.PCA == nil {
			continue
		}
		refs = append(refs, s.PCA.FileRef)
		if s.PCA.Regions != nil {
			refs = append(refs, *s.PCA.Regions)
		}
	}
	return refs
}
