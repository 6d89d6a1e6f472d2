package featnet

import (
	"sort"

	"fmriface/face/celeba"
)

// Plan says which training-split images train the network and which persons
// have an identity class.
type Plan struct {
	// Train lists the faces (indices into the dataset) that train the
	// network: the training split minus Holdout.
	Train []int
	// Holdout lists one image per identity class (the person's last image
	// by CelebA id), kept out of training to measure identity accuracy.
	Holdout []int
	// Persons[k] is the CelebA person id of identity class k (sorted).
	Persons []int
	// Class maps a CelebA person id to its class.
	Class map[int]int
}

// MakePlan gives an identity class to every person with at least minImages
// images in the training split (0: no identity classes) and holds out one
// image of each. It uses the training split only.
func MakePlan(faces []celeba.Face, train []int, minImages int) Plan {
	byPerson := map[int][]int{}
	for _, i := range train {
		byPerson[faces[i].Person] = append(byPerson[faces[i].Person], i)
	}
	p := Plan{Class: map[int]int{}}
	if minImages > 0 {
		for person, imgs := range byPerson {
			if len(imgs) >= minImages {
				p.Persons = append(p.Persons, person)
			}
		}
	}
	sort.Ints(p.Persons)
	held := map[int]bool{}
	for k, person := range p.Persons {
		p.Class[person] = k
		imgs := byPerson[person]
		last := imgs[0]
		for _, i := range imgs {
			if faces[i].ID > faces[last].ID {
				last = i
			}
		}
		held[last] = true
		p.Holdout = append(p.Holdout, last)
	}
	sort.Ints(p.Holdout)
	for _, i := range train {
		if !held[i] {
			p.Train = append(p.Train, i)
		}
	}
	return p
}

// Labels returns the attribute targets (n×A, 1 or 0) and identity classes
// (−1 for none) of the given faces.
func (p Plan) Labels(faces []celeba.Face, idx []int) (attr []float32, id []int32) {
	for _, i := range idx {
		for _, a := range faces[i].Attr {
			v := float32(0)
			if a > 0 {
				v = 1
			}
			attr = append(attr, v)
		}
		c, ok := p.Class[faces[i].Person]
		if !ok {
			c = -1
		}
		id = append(id, int32(c))
	}
	return attr, id
}
