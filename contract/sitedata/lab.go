package sitedata

import "fmt"

// The Lab panel's files (issue 22; package neuro/lab): the base file (the
// faces' stimulus features and VAE-GAN latents, the subjects' voxels) is
// downloaded when the panel is first opened, the PCA file when the PCA
// space is first chosen.
const (
	LabKind    = "lab"
	LabPCAKind = "lab-pca"
)

// MaxLabBytes bounds each lab file: the budget of the panel's first
// download (issue 22).
const MaxLabBytes = 5 << 20

// LabRef is Index.Lab: the base file, and the PCA file where the site has
// one.
type LabRef struct {
	FileRef
	PCA *FileRef `json:"pca,omitempty"`
}

func (l *LabRef) validate(seen map[string]bool) error {
	refs := []struct {
		what string
		ref  *FileRef
	}{{"lab", &l.FileRef}, {"lab.pca", l.PCA}}
	for _, r := range refs {
		if r.ref == nil {
			continue
		}
		if err := r.ref.validate(r.what); err != nil {
			return err
		}
		if r.ref.Bytes > MaxLabBytes {
			return fmt.Errorf("%s: %s: bytes %d, a lab file has at most %d", r.what, r.ref.File, r.ref.Bytes, MaxLabBytes)
		}
		if seen[r.ref.File] {
			return fmt.Errorf("%s: file %q listed twice", r.what, r.ref.File)
		}
		seen[r.ref.File] = true
	}
	return nil
}

func (l *LabRef) files() []FileRef {
	if l == nil {
		return nil
	}
	out := []FileRef{l.FileRef}
	if l.PCA != nil {
		out = append(out, *l.PCA)
	}
	return out
}
