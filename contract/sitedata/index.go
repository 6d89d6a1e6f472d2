package sitedata

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// IndexFormat is the value of index.json's "format" field.
const IndexFormat = "fmriface-site/1"

// IndexName is the file name of the index, beside the files it lists.
const IndexName = "index.json"

// MaxIndexSize bounds index.json: it lists a handful of files.
const MaxIndexSize = 1 << 20

// MaxFileBytes bounds the size index.json may announce for one bundle, so that
// a damaged index cannot make the page download or allocate without bound.
const MaxFileBytes = 512 << 20

// MaxRealBytes bounds the realbrain bundle (Index.Real): one slice and a few
// small tables, about 10 kB (infer/site.MaxRealBrainBytes is the reader's
// bound, the same).
const MaxRealBytes = 1 << 20

// MaxSubjects bounds the number of subjects an index may list.
const MaxSubjects = 64

// maxIDLen and maxFileName bound a subject id and a file name.
const (
	maxIDLen    = 64
	maxFileName = 128
)

// FileRef names one content-hashed file of the site data.
type FileRef struct {
	File   string `json:"file"`
	Bytes  int64  `json:"bytes"`
	SHA256 string `json:"sha256"` // hex SHA-256 of the whole file
}

// SubjectRef is one subject's entry in index.json.
type SubjectRef struct {
	ID string `json:"id"`
	FileRef
	NVoxels       int     `json:"n_voxels"`
	PairwiseFloat float64 `json:"pairwise_float"`
	// Regions is the file with the decoders of the regions other than
	// "all", which the page downloads after the first face. Absent when the
	// subject's bundle holds every decoder.
	Regions *FileRef `json:"regions,omitempty"`
	// PCA is the subject's PCA baseline (pca.go), downloaded when the
	// comparison is first shown; absent in indexes without it.
	PCA *PCASubjectRef `json:"pca,omitempty"`
}

// GeneratedBy says what wrote the site data.
type GeneratedBy struct {
	Command     string `json:"command"`
	CodeVersion string `json:"code_version"`
	Date        string `json:"date"`
}

// Index is index.json, the list of files the page downloads. The field
// order, tags and omitempty options fix the bytes the exporter writes.
type Index struct {
	Format      string      `json:"format"`
	GeneratedBy GeneratedBy `json:"generated_by"`
	Simulated   bool        `json:"simulated"`
	// Notice is the text the page shows above the data (for simulated
	// subjects, that they are not real brain data); omitted when empty.
	Notice    string       `json:"notice,omitempty"`
	Generator FileRef      `json:"generator"`
	Subjects  []SubjectRef `json:"subjects"`
	// Real is the realbrain bundle of the "Real brain" panel (real fMRI,
	// Haxby et al. 2001), which the page downloads when the panel is first
	// opened; absent (and then not written, so that an index without it
	// keeps its bytes) when the site has none.
	Real *FileRef `json:"real,omitempty"`
	// PCA is the PCA baseline's face space (pca.go); absent when the site
	// has no PCA comparison, and then so is every subject's PCA.
	PCA *FileRef `json:"pca,omitempty"`
	// Lab is the Lab panel's data (lab.go); absent when the site has none.
	Lab *LabRef `json:"lab,omitempty"`
	// Fixture marks test data (random weights, synthetic subjects) written by
	// site/fixture; the app shows a banner saying so. The exporter never sets it.
	Fixture bool `json:"fixture,omitempty"`
}

// ParseIndex decodes and checks index.json. Every error starts with
// "index.json:" and names the field at fault.
func ParseIndex(data []byte) (*Index, error) {
	if len(data) > MaxIndexSize {
		return nil, fmt.Errorf("%s: %d bytes, more than the %d allowed", IndexName, len(data), MaxIndexSize)
	}
	var ix Index
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&ix); err != nil {
		return nil, fmt.Errorf("%s: %w", IndexName, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%s: trailing data after the JSON object", IndexName)
	}
	if err := ix.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", IndexName, err)
	}
	return &ix, nil
}

// Encode validates the index and returns it as index.json is written:
// indented by two spaces, with a final newline.
func (ix *Index) Encode() ([]byte, error) {
	if err := ix.Validate(); err != nil {
		return nil, fmt.Errorf("%s: %w", IndexName, err)
	}
	b, err := json.MarshalIndent(ix, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", IndexName, err)
	}
	return append(b, '\n'), nil
}

// Validate checks the fields the app relies on: the format, every file
// reference (a plain file name, a size in range, a SHA-256), no file listed
// twice, 1 to MaxSubjects subjects with distinct ids and a positive voxel
// count, and the real file's reference where there is one (at most
// MaxRealBytes). Errors name the field, e.g. "subjects[1].regions: …".
func (ix *Index) Validate() error {
	if ix.Format != IndexFormat {
		return fmt.Errorf("format %q, want %q", ix.Format, IndexFormat)
	}
	if err := ix.Generator.validate("generator"); err != nil {
		return err
	}
	if len(ix.Subjects) == 0 {
		return errors.New("no subjects")
	}
	if len(ix.Subjects) > MaxSubjects {
		return fmt.Errorf("%d subjects, at most %d allowed", len(ix.Subjects), MaxSubjects)
	}
	seen := map[string]bool{ix.Generator.File: true}
	ids := map[string]bool{}
	for i, s := range ix.Subjects {
		what := fmt.Sprintf("subjects[%d]", i)
		if s.ID == "" || len(s.ID) > maxIDLen {
			return fmt.Errorf("%s: id %q must have 1 to %d characters", what, s.ID, maxIDLen)
		}
		if ids[s.ID] {
			return fmt.Errorf("%s: duplicate id %q", what, s.ID)
		}
		ids[s.ID] = true
		if err := s.FileRef.validate(what); err != nil {
			return err
		}
		if seen[s.File] {
			return fmt.Errorf("%s: file %q listed twice", what, s.File)
		}
		seen[s.File] = true
		if r := s.Regions; r != nil {
			if err := r.validate(what + ".regions"); err != nil {
				return err
			}
			if seen[r.File] {
				return fmt.Errorf("%s.regions: file %q listed twice", what, r.File)
			}
			seen[r.File] = true
		}
		if s.NVoxels <= 0 {
			return fmt.Errorf("%s: n_voxels %d must be positive", what, s.NVoxels)
		}
		if err := s.PCA.validate(what+".pca", ix.PCA != nil, seen); err != nil {
			return err
		}
	}
	if r := ix.Real; r != nil {
		if err := r.validate("real"); err != nil {
			return err
		}
		if r.Bytes > MaxRealBytes {
			return fmt.Errorf("real: %s: bytes %d, a realbrain bundle has at most %d", r.File, r.Bytes, MaxRealBytes)
		}
		if seen[r.File] {
			return fmt.Errorf("real: file %q listed twice", r.File)
		}
	}
	if err := ix.validatePCA(seen); err != nil {
		return err
	}
	if ix.Lab != nil {
		return ix.Lab.validate(seen)
	}
	return nil
}

// Files lists every file the index names: the generator, then each
// subject's bundle and, where it has one, its regions file; then the real
// file where there is one; then the PCA files, if any (pca.go); then the
// lab files (lab.go).
func (ix *Index) Files() []FileRef {
	refs := []FileRef{ix.Generator}
	for _, s := range ix.Subjects {
		refs = append(refs, s.FileRef)
		if s.Regions != nil {
			refs = append(refs, *s.Regions)
		}
	}
	if ix.Real != nil {
		refs = append(refs, *ix.Real)
	}
	return append(ix.appendPCAFiles(refs), ix.Lab.files()...)
}

func (f FileRef) validate(what string) error {
	switch {
	case f.File == "":
		return fmt.Errorf("%s: no file name", what)
	case len(f.File) > maxFileName || strings.ContainsAny(f.File, "/\\?#%:") || strings.HasPrefix(f.File, "."):
		// The name becomes a URL next to index.json: no paths, queries or hidden files.
		return fmt.Errorf("%s: file name %q must be a plain name", what, f.File)
	case f.Bytes <= 0 || f.Bytes > MaxFileBytes:
		return fmt.Errorf("%s: %s: bytes %d out of range (1 to %d)", what, f.File, f.Bytes, MaxFileBytes)
	case !isHex(f.SHA256, 64):
		return fmt.Errorf("%s: %s: sha256 %q is not 64 lower-case hex digits", what, f.File, f.SHA256)
	}
	return nil
}

func isHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for _, c := range s {
		if (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
