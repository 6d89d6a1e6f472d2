package celeba

import (
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
)

// Image folders inside a dataset folder, in order of preference: when a CelebA
// id is in both, the first folder's copy is kept.
const (
	SmallDir = "img_89x109"
	FullDir  = "img_align_178x218"
)

// Face is one image with its labels.
type Face struct {
	File   string // path relative to the dataset dir, slash-separated, e.g. "img_89x109/000001.jpg"
	ID     int    // CelebA number from the file name (1 for 000001.jpg)
	Person int    // identity from identity_CelebA.txt
	Attr   []int8 // one +1/-1 per attribute, in AttrNames order (40 for CelebA)
}

// Name is the official CelebA file name of the face, e.g. "000001.jpg"; it is
// the same whichever image folder the face was read from.
func (f Face) Name() string { return path.Base(f.File) }

// Index is a dataset's file list and labels, without pixels.
type Index struct {
	Dir       string
	AttrNames []string
	Faces     []Face // sorted by ID
	// Duplicates counts ids present in both image folders (only one copy is kept).
	Duplicates int
}

// AttrIndex returns the position of the named attribute in AttrNames.
func (x *Index) AttrIndex(name string) (int, error) { return attrIndex(x.AttrNames, name) }

func attrIndex(names []string, name string) (int, error) {
	for i, n := range names {
		if n == name {
			return i, nil
		}
	}
	return -1, fmt.Errorf("celeba: unknown attribute %q (have %d attributes, e.g. Male, Smiling)", name, len(names))
}

// LoadIndex lists the images of a dataset folder and joins them with the label
// files. Every image must have exactly one attribute line and one identity line;
// label lines for images that are not present are ignored.
func LoadIndex(dir string) (*Index, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("celeba: dataset folder: %w", err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("celeba: dataset folder %s is not a folder", dir)
	}
	ids := make(map[int]string) // id → slash path relative to dir
	dups := 0
	for _, sub := range []string{SmallDir, FullDir} {
		entries, err := os.ReadDir(filepath.Join(dir, sub))
		if err != nil {
			return nil, fmt.Errorf("celeba: image folder: %w", err)
		}
		inThis := make(map[int]string)
		for _, e := range entries {
			if e.IsDir() {
				continue
			}
			id, ok := parseImageName(e.Name())
			if !ok {
				continue // not a CelebA image (e.g. .DS_Store, README)
			}
			if other, dup := inThis[id]; dup {
				return nil, fmt.Errorf("celeba: %s: %s and %s both have CelebA id %d", filepath.Join(dir, sub), other, e.Name(), id)
			}
			inThis[id] = e.Name()
			if _, have := ids[id]; have {
				dups++
				continue
			}
			ids[id] = sub + "/" + e.Name()
		}
	}

	attrPath := filepath.Join(dir, AttrFile)
	attrData, err := readLabelFile(attrPath)
	if err != nil {
		return nil, err
	}
	attrs, err := parseAttr(attrData, attrPath)
	if err != nil {
		return nil, err
	}
	idPath := filepath.Join(dir, IdentityFile)
	idData, err := readLabelFile(idPath)
	if err != nil {
		return nil, err
	}
	persons, err := parseIdentity(idData, idPath)
	if err != nil {
		return nil, err
	}

	order := make([]int, 0, len(ids))
	for id := range ids {
		order = append(order, id)
	}
	sort.Ints(order) // so that the first missing label reported is the lowest id
	faces := make([]Face, 0, len(ids))
	for _, id := range order {
		file := ids[id]
		a, ok := attrs.attrs[id]
		if !ok {
			return nil, fmt.Errorf("celeba: %s has no line for image %s", attrPath, file)
		}
		p, ok := persons[id]
		if !ok {
			return nil, fmt.Errorf("celeba: %s has no line for image %s", idPath, file)
		}
		faces = append(faces, Face{File: file, ID: id, Person: p, Attr: a})
	}
	return &Index{Dir: dir, AttrNames: attrs.names, Faces: faces, Duplicates: dups}, nil
}
