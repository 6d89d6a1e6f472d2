package bids

import (
	"fmt"
	"path/filepath"
	"slices"
	"sort"
	"strings"
)

// isDerivEntity reports whether fMRIPrep adds entity k to a raw run's name.
func isDerivEntity(k string) bool {
	switch k {
	case "space", "res", "den", "cohort", "desc":
		return true
	}
	return false
}

// Derivatives is an opened fMRIPrep output folder (…/derivatives/fmriprep).
type Derivatives struct {
	Root        string
	Description Description
	subjects    []string
}

// OpenDerivatives opens an fMRIPrep output folder: it reads its
// dataset_description.json and lists its subjects.
func OpenDerivatives(root string) (*Derivatives, error) {
	desc, err := ReadDescription(filepath.Join(root, "dataset_description.json"))
	if err != nil {
		return nil, fmt.Errorf("open derivatives %s: %w", root, err)
	}
	subs, err := listLabels(root, "sub")
	if err != nil {
		return nil, fmt.Errorf("open derivatives %s: %w", root, err)
	}
	return &Derivatives{Root: root, Description: desc, subjects: subs}, nil
}

// Subjects returns the subject labels, sorted.
func (dv *Derivatives) Subjects() []string { return slices.Clone(dv.subjects) }

// derivRun gathers the derivative files of one raw run.
type derivRun struct {
	n         name // the raw run's entities
	confounds string
	variants  map[string]*variantFiles // by space entities, e.g. "space-T1w"
}

type variantFiles struct {
	space                  string // the space label alone, e.g. "MNI152NLin2009cAsym"
	preproc, mask, sidecar string
}

// scan indexes the subject's derivative files of a task by raw run key.
func (dv *Derivatives) scan(sub, task string) (map[string]*derivRun, error) {
	out := map[string]*derivRun{}
	if !slices.Contains(dv.subjects, sub) {
		return out, nil
	}
	err := scanFunc(dv.Root, sub, task, func(dir string, n name, path string) {
		raw := rawName(n)
		key := raw.key()
		g := out[key]
		if g == nil {
			g = &derivRun{variants: map[string]*variantFiles{}}
			out[key] = g
		}
		g.n = raw
		desc := n.get("desc")
		variant := n.key(append([]string{"desc"}, raw.keys...)...)
		vf := func() *variantFiles {
			if g.variants[variant] == nil {
				g.variants[variant] = &variantFiles{space: n.get("space")}
			}
			return g.variants[variant]
		}
		switch {
		case desc == "preproc" && n.suffix == "bold" && isNifti(n.ext):
			vf().preproc = path
		case desc == "preproc" && n.suffix == "bold" && n.ext == ".json":
			vf().sidecar = path
		case desc == "brain" && n.suffix == "mask" && isNifti(n.ext):
			vf().mask = path
		case desc == "confounds" && (n.suffix == "timeseries" || n.suffix == "regressors") && n.ext == ".tsv":
			g.confounds = path // "regressors": fMRIPrep before 20.0
		}
	})
	return out, err
}

// rawName strips the derivative entities from n.
func rawName(n name) name {
	var r name
	for i, k := range n.keys {
		if !isDerivEntity(k) {
			r.keys = append(r.keys, k)
			r.values = append(r.values, n.values[i])
		}
	}
	return r
}

// pick chooses the variant for space: "" takes the only one; otherwise a
// variant whose full name ("space-MNI152NLin2009cAsym_res-2") or space label
// matches.
func (g *derivRun) pick(space string) (string, error) {
	var all, match []string
	for v, f := range g.variants {
		if f.preproc == "" && f.mask == "" {
			continue
		}
		all = append(all, v)
		if space == "" || v == space || f.space == space || v == "space-"+space {
			match = append(match, v)
		}
	}
	sort.Strings(all)
	sort.Strings(match)
	switch {
	case len(all) == 0:
		return "", nil
	case len(match) == 1:
		return match[0], nil
	case len(match) == 0:
		return "", fmt.Errorf("no derivatives in space %q (there are: %s)", space, strings.Join(all, ", "))
	}
	return "", fmt.Errorf("derivatives in several spaces (%s): choose one with UseDerivatives or the space argument", strings.Join(match, ", "))
}

func (dv *Derivatives) fill(r *Run, g *derivRun, space string) error {
	r.ConfoundsPath = g.confounds
	v, err := g.pick(space)
	if err != nil {
		return fmt.Errorf("derivatives %s, %s: %w", dv.Root, g.n.key(), err)
	}
	if f := g.variants[v]; f != nil {
		r.Space, r.PreprocPath, r.MaskPath = v, f.preproc, f.mask
		if r.TR == 0 && f.sidecar != "" {
			s, err := ReadSidecar(f.sidecar)
			if err != nil {
				return err
			}
			r.TR = s.RepetitionTime
		}
		if r.NVols == 0 {
			return fillFromImage(r, r.PreprocPath)
		}
	}
	return nil
}

// Runs lists the runs of a task for a subject found in the derivatives alone
// (for a user who has fMRIPrep's output but not the raw dataset: BoldPath,
// EventsPath and SidecarPath are then empty), in the given space ("" when
// there is only one), sorted by session and run.
func (dv *Derivatives) Runs(subject, task, space string) ([]Run, error) {
	sub := trimPrefix(subject, "sub")
	if !slices.Contains(dv.subjects, sub) {
		return nil, fmt.Errorf("derivatives %s have no subject %q (they have %s)", dv.Root, subject, strings.Join(dv.subjects, ", "))
	}
	idx, err := dv.scan(sub, task)
	if err != nil {
		return nil, err
	}
	var runs []Run
	for _, g := range idx {
		e, err := g.n.entities()
		if err != nil {
			return nil, fmt.Errorf("derivatives %s: %s: %w", dv.Root, g.n.key(), err)
		}
		r := Run{Entities: e}
		if err := dv.fill(&r, g, space); err != nil {
			return nil, err
		}
		if r.PreprocPath == "" && r.ConfoundsPath == "" && r.MaskPath == "" {
			continue
		}
		runs = append(runs, r)
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("derivatives %s: no runs of task %q for sub-%s", dv.Root, task, sub)
	}
	sortRuns(runs)
	return runs, nil
}
