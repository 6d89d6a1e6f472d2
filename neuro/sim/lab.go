package sim

import (
	"context"
	"fmt"
)

// LabSubject is one virtual subject as the in-page lab (package neuro/lab)
// sees it: each cortical voxel's region, response modulation and drive.
type LabSubject struct {
	Label string
	Noise float64 // the subject's noise scale
	ROI   []uint8 // per cortical voxel
	// Modulation is each voxel's response change per standard deviation of
	// its drive, percent (the brain v2's region gain included).
	Modulation []float64
	// Drive is faces × voxels: each voxel's drive for each face of
	// LabBrain.Faces, computed as in a simulation (centred over these
	// faces, its parts standardised and mixed).
	Drive []float32
}

// LabBrain is the simulator's brain on a fixed set of faces: the first
// subject's first training faces (in the order of its stimulus files) and its
// test faces, and every subject's voxels' drive for them.
type LabBrain struct {
	Faces    []int // pool indices: Train training faces, then the test faces
	Train    int
	Subjects []LabSubject
}

// LabDrives computes LabBrain for at most maxTrain training faces with the
// simulator's own code (features, tuning, v1 or v2 drive): the responses of
// a simulation without its BOLD time series. Like Simulate it reads the
// stimulus pixels and the face-feature network only.
func LabDrives(ctx context.Context, cfg Config, pool *Pool, maxTrain int, opt Options) (*LabBrain, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := pool.Validate(); err != nil {
		return nil, err
	}
	if maxTrain < 1 {
		return nil, fmt.Errorf("sim: lab faces: %d training faces, want at least 1", maxTrain)
	}
	subs, _, _, err := readSubjects(cfg, pool, opt.DesignRoot)
	if err != nil {
		return nil, err
	}
	first := subs[0].asg
	isTest := map[int]bool{}
	for _, i := range first.testPool {
		isTest[i] = true
	}
	seen := map[int]bool{}
	var faces []int
	for _, m := range first.maps {
		i := first.poolOf[m.StimFile]
		if isTest[i] || seen[i] || len(faces) == maxTrain {
			continue
		}
		seen[i] = true
		faces = append(faces, i)
	}
	lb := &LabBrain{Train: len(faces)}
	faces = append(faces, first.testPool...)
	lb.Faces = faces
	ids := append([]int(nil), faces...)
	sortInts(ids)
	sf, err := shownFeatures(ctx, pool, ids, opt.Progress)
	if err != nil {
		return nil, err
	}
	if cfg.isV2() {
		if err := sf.addV2Levels(ctx, cfg, pool, ids, opt); err != nil {
			return nil, err
		}
	}
	for _, s := range subs {
		if s.anat, err = makeAnatomy(cfg.Seed, s.label, cfg.grid()); err != nil {
			return nil, err
		}
		s.tun = makeTuning(cfg.Seed, s.label, s.anat, sf.nAttr)
		var resp []float32
		if cfg.isV2() {
			resp, err = s.responsesV2(ctx, cfg, sf, faces)
		} else {
			nA := sf.nAttr
			f := make([]float32, len(faces)*NumFeatures)
			at := make([]float32, len(faces)*nA)
			for r, id := range faces {
				copy(f[r*NumFeatures:], sf.feat[sf.featRow[id]*NumFeatures:(sf.featRow[id]+1)*NumFeatures])
				copy(at[r*nA:], sf.attrZ[id*nA:(id+1)*nA])
			}
			resp, err = voxelResponses(ctx, f, at, len(faces), nA, s.tun, nil)
		}
		if err != nil {
			return nil, err
		}
		lb.Subjects = append(lb.Subjects, LabSubject{Label: s.label, Noise: s.noise, ROI: s.tun.ROI,
			Modulation: s.tun.Modulation, Drive: resp})
	}
	return lb, nil
}
