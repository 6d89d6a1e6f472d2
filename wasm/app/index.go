package app

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// IndexFormat is the value of index.json's "format" field this package reads.
const IndexFormat = "fmriface-site/1"

// MaxIndexSize bounds index.json: it lists a handful of files.
const MaxIndexSize = 1 << 20

// MaxFileBytes bounds the size index.json may announce for one bundle, so that
// a damaged index cannot make the page download or allocate without bound.
const MaxFileBytes = 512 << 20

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
}

// GeneratedBy says what wrote the site data.
type GeneratedBy struct {
	Command     string `json:"command"`
	CodeVersion string `json:"code_version"`
	Date        string `json:"date"`
}

// Index is index.json, the list of files the page downloads.
type Index struct {
	Format      string       `json:"format"`
	GeneratedBy GeneratedBy  `json:"generated_by"`
	Simulated   bool         `json:"simulated"`
	Notice      string       `json:"notice"`
	Generator   FileRef      `json:"generator"`
	Subjects    []SubjectRef `json:"subjects"`
	// Fixture marks test data (random weights, synthetic subjects) written by
	// site/fixture; the app shows a banner saying so. The exporter never sets it.
	Fixture bool `json:"fixture,omitempty"`
}

// ParseIndex decodes and checks index.json.
func ParseIndex(data []byte) (*Index, error) {
	if len(data) > MaxIndexSize {
		return nil, fmt.Errorf("index.json: %d bytes, more than the %d allowed", len(data), MaxIndexSize)
	}
	var ix Index
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&ix); err != nil {
		return nil, fmt.Errorf("index.json: %w", err)
	}
	if dec.More() {
		return nil, errors.New("index.json: trailing data after the JSON object")
	}
	if err := ix.Validate(); err != nil {
		return nil, fmt.Errorf("index.json: %w", err)
	}
	return &ix, nil
}

// Validate checks the fields the app relies on.
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
	if len(ix.Subjects) > 64 {
		return fmt.Errorf("%d subjects, at most 64 allowed", len(ix.Subjects))
	}
	seen := map[string]bool{ix.Generator.File: true}
	ids := map[string]bool{}
	for i, s := range ix.Subjects {
		what := fmt.Sprintf("subjects[%d]", i)
		if s.ID == "" || len(s.ID) > 64 {
			return fmt.Errorf("%s: id %q must have 1 to 64 characters", what, s.ID)
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
	}
	return nil
}

// Files lists every file the index names: the generator, then each
// subject's bundle and, where it has one, its regions file.
func (ix *Index) Files() []FileRef {
	refs := []FileRef{ix.Generator}
	for _, s := range ix.Subjects {
		refs = append(refs, s.FileRef)
		if s.Regions != nil {
			refs = append(refs, *s.Regions)
		}
	}
	return refs
}

func (f FileRef) validate(what string) error {
	switch {
	case f.File == "":
		return fmt.Errorf("%s: no file name", what)
	case len(f.File) > 128 || strings.ContainsAny(f.File, "/\\?#%:") || strings.HasPrefix(f.File, "."):
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
