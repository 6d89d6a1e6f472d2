package sim

import (
	"fmt"

	"fmriface/face/celeba"
)

// Pool is the set of face images the simulator may show, with the face
// model's split. Tests build small synthetic pools; the command builds one
// from the CelebA subset with PoolFromCelebA.
type Pool struct {
	Size      int      // image side in pixels
	AttrNames []string // e.g. the 40 CelebA attributes
	Faces     []PoolFace
	Train     []int // indices into Faces: the face model's training part
	Test      []int // indices into Faces: its test part (never trained on)
	// Image returns face i as CHW float32 RGB in [0,1], Size × Size.
	Image func(i int) []float32
}

// PoolFace is one face of a Pool.
type PoolFace struct {
	Name string // CelebA file name, e.g. "000123.jpg"
	Male bool
	Attr []int8 // +1/−1 per attribute, in AttrNames order
}

// PoolFromCelebA makes a Pool from a loaded CelebA subset and the face
// model's split of it (read with celeba.ReadSplitJSON(path, d.Faces)).
func PoolFromCelebA(d *celeba.Dataset, s celeba.Split) (*Pool, error) {
	male, err := d.AttrIndex("Male")
	if err != nil {
		return nil, fmt.Errorf("sim: %w", err)
	}
	p := &Pool{Size: d.Size, AttrNames: d.AttrNames, Train: s.Train, Test: s.Test, Image: d.Image}
	p.Faces = make([]PoolFace, len(d.Faces))
	for i, f := range d.Faces {
		if len(f.Attr) != len(d.AttrNames) {
			return nil, fmt.Errorf("sim: face %s has %d attributes, want %d", f.Name(), len(f.Attr), len(d.AttrNames))
		}
		p.Faces[i] = PoolFace{Name: f.Name(), Male: f.Attr[male] > 0, Attr: f.Attr}
	}
	return p, p.Validate()
}

// Validate checks the pool's indices and attribute vectors.
func (p *Pool) Validate() error {
	if err := checkImageSize(p.Size); err != nil {
		return err
	}
	if p.Image == nil {
		return fmt.Errorf("sim: pool has no images")
	}
	part := make([]byte, len(p.Faces))
	for _, x := range []struct {
		name string
		idx  []int
	}{{"train", p.Train}, {"test", p.Test}} {
		for _, i := range x.idx {
			if i < 0 || i >= len(p.Faces) {
				return fmt.Errorf("sim: pool %s index %d out of range [0,%d)", x.name, i, len(p.Faces))
			}
			if part[i] != 0 {
				return fmt.Errorf("sim: pool face %s is listed twice in the split", p.Faces[i].Name)
			}
			part[i] = x.name[1]
		}
	}
	for _, f := range p.Faces {
		if len(f.Attr) != len(p.AttrNames) {
			return fmt.Errorf("sim: pool face %s has %d attributes, want %d", f.Name, len(f.Attr), len(p.AttrNames))
		}
	}
	return nil
}
