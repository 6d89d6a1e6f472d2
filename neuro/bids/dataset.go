package bids

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"fmriface/neuro/nifti"
)

// Run is one functional run and the paths of its files; an empty path means
// the file does not exist.
type Run struct {
	Entities
	BoldPath    string // raw *_bold.nii.gz (or .nii)
	EventsPath  string // *_events.tsv
	SidecarPath string // the most specific *_bold.json that applies (see Dataset.Runs)

	// From fMRIPrep derivatives, when present.
	PreprocPath   string // *_desc-preproc_bold.nii.gz
	ConfoundsPath string // *_desc-confounds_timeseries.tsv
	MaskPath      string // *_desc-brain_mask.nii.gz
	Space         string // the derivatives' space entities, e.g. "space-MNI152NLin2009cAsym"

	TR    float64 // seconds: the sidecars' RepetitionTime, else the image header's
	NVols int     // volumes in the image (BOLD, else preprocessed), 0 without an image
}

// Missing lists which of the raw files (bold, events, sidecar) are absent.
func (r Run) Missing() []string {
	var m []string
	for _, f := range []struct{ what, path string }{{"bold", r.BoldPath}, {"events", r.EventsPath}, {"sidecar", r.SidecarPath}} {
		if f.path == "" {
			m = append(m, f.what)
		}
	}
	return m
}

// Dataset is an opened raw BIDS dataset.
type Dataset struct {
	Root        string
	Description Description
	subjects    []string
	deriv       *Derivatives
	space       string
}

// Open opens the raw dataset at root: it reads and checks its
// dataset_description.json and lists its subjects. When
// <root>/derivatives/fmriprep exists it is opened too (see UseDerivatives).
func Open(root string) (*Dataset, error) {
	desc, err := ReadDescription(filepath.Join(root, "dataset_description.json"))
	if err != nil {
		return nil, fmt.Errorf("open BIDS dataset %s: %w", root, err)
	}
	subs, err := listLabels(root, "sub")
	if err != nil {
		return nil, fmt.Errorf("open BIDS dataset %s: %w", root, err)
	}
	if len(subs) == 0 {
		return nil, fmt.Errorf("open BIDS dataset %s: no sub-* folders", root)
	}
	d := &Dataset{Root: root, Description: desc, subjects: subs}
	fp := filepath.Join(root, "derivatives", "fmriprep")
	if _, err := os.Stat(filepath.Join(fp, "dataset_description.json")); err == nil {
		dv, err := OpenDerivatives(fp)
		if err != nil {
			return nil, err
		}
		d.UseDerivatives(dv, "")
	}
	return d, nil
}

// UseDerivatives makes Runs fill the derivative paths from dv, in the given
// space ("" when the derivatives hold a single space). Pass nil to stop.
func (d *Dataset) UseDerivatives(dv *Derivatives, space string) { d.deriv, d.space = dv, space }

// Derivatives returns the derivatives in use, or nil.
func (d *Dataset) Derivatives() *Derivatives { return d.deriv }

// Subjects returns the subject labels ("01", "02", ...), sorted.
func (d *Dataset) Subjects() []string { return slices.Clone(d.subjects) }

// Runs lists the runs of a task for a subject ("01" or "sub-01"), sorted by
// session then run. A run is listed when any of its bold image, events file or
// run-level sidecar exists; the paths of absent files are empty. Sidecar
// fields are inherited from bold.json files at the dataset, subject and
// session levels whose entities the run shares (BIDS inheritance), the most
// specific winning. With derivatives in use, the fMRIPrep paths are filled for
// the runs that have them.
func (d *Dataset) Runs(subject, task string) ([]Run, error) {
	sub := trimPrefix(subject, "sub")
	if !slices.Contains(d.subjects, sub) {
		return nil, fmt.Errorf("BIDS dataset %s has no subject %q (it has %s)", d.Root, subject, strings.Join(d.subjects, ", "))
	}
	groups := map[string]*runFiles{}
	err := scanFunc(d.Root, sub, task, func(dir string, n name, path string) {
		g := groups[n.key()]
		if g == nil {
			g = &runFiles{n: n, dir: dir}
			groups[n.key()] = g
		}
		switch {
		case n.suffix == "bold" && isNifti(n.ext):
			g.bold = path
		case n.suffix == "events" && n.ext == ".tsv":
			g.events = path
		case n.suffix == "bold" && n.ext == ".json":
			g.sidecar = path
		}
	})
	if err != nil {
		return nil, err
	}
	var deriv map[string]*derivRun
	if d.deriv != nil {
		if deriv, err = d.deriv.scan(sub, task); err != nil {
			return nil, err
		}
	}
	var runs []Run
	inherit := newInheritance(d.Root)
	for _, g := range groups {
		if g.bold == "" && g.events == "" && g.sidecar == "" {
			continue
		}
		e, err := g.n.entities()
		if err != nil {
			return nil, fmt.Errorf("BIDS dataset %s: %s: %w", d.Root, g.n.key(), err)
		}
		r := Run{Entities: e, BoldPath: g.bold, EventsPath: g.events}
		side, paths, err := inherit.sidecar(g.n, g.dir)
		if err != nil {
			return nil, err
		}
		if len(paths) > 0 {
			r.SidecarPath = paths[len(paths)-1]
			r.TR = side.RepetitionTime
		}
		if err := fillFromImage(&r, r.BoldPath); err != nil {
			return nil, err
		}
		if dg := deriv[g.n.key()]; dg != nil {
			if err := d.deriv.fill(&r, dg, d.space); err != nil {
				return nil, err
			}
		}
		runs = append(runs, r)
	}
	if len(runs) == 0 {
		return nil, fmt.Errorf("BIDS dataset %s: no runs of task %q for sub-%s", d.Root, task, sub)
	}
	sortRuns(runs)
	return runs, nil
}

type runFiles struct {
	n                     name
	dir                   string
	bold, events, sidecar string
}

func isNifti(ext string) bool { return ext == ".nii.gz" || ext == ".nii" }

// fillFromImage sets NVols, and TR when no sidecar gave it, from an image header.
func fillFromImage(r *Run, path string) error {
	if path == "" {
		return nil
	}
	h, err := nifti.ReadHeader(path)
	if err != nil {
		return err
	}
	r.NVols = h.NumVolumes()
	if r.TR == 0 {
		r.TR = h.TR()
	}
	return nil
}

func sortRuns(runs []Run) {
	sort.Slice(runs, func(i, j int) bool {
		a, b := runs[i], runs[j]
		if a.Session != b.Session {
			return lessLabel(a.Session, b.Session)
		}
		if a.Run != b.Run {
			return a.Run < b.Run
		}
		return a.BoldPath+a.EventsPath+a.PreprocPath < b.BoldPath+b.EventsPath+b.PreprocPath
	})
}

// listLabels returns the labels of the <prefix>-<label> folders in dir.
func listLabels(dir, prefix string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	var out []string
	for _, e := range ents {
		label, ok := strings.CutPrefix(e.Name(), prefix+"-")
		if !ok || !isLabel(label) || !isDir(filepath.Join(dir, e.Name()), e) {
			continue
		}
		out = append(out, label)
	}
	sort.Slice(out, func(i, j int) bool { return lessLabel(out[i], out[j]) })
	return out, nil
}

// isDir follows symbolic links (datalad and git-annex checkouts use them).
func isDir(path string, e fs.DirEntry) bool {
	if e.Type()&fs.ModeSymlink == 0 {
		return e.IsDir()
	}
	st, err := os.Stat(path)
	return err == nil && st.IsDir()
}

// scanFunc calls visit for every BIDS-named file of the subject and task in
// <root>/sub-X/func and <root>/sub-X/ses-*/func.
func scanFunc(root, sub, task string, visit func(dir string, n name, path string)) error {
	subDir := filepath.Join(root, "sub-"+sub)
	dirs := []string{filepath.Join(subDir, "func")}
	sess, err := listLabels(subDir, "ses")
	if err != nil {
		return err
	}
	for _, s := range sess {
		dirs = append(dirs, filepath.Join(subDir, "ses-"+s, "func"))
	}
	for _, dir := range dirs {
		ents, err := os.ReadDir(dir)
		if errors.Is(err, fs.ErrNotExist) {
			continue
		}
		if err != nil {
			return err
		}
		for _, e := range ents {
			n, ok := parseName(e.Name())
			if !ok || n.get("sub") != sub || n.get("task") != task || e.IsDir() {
				continue
			}
			visit(dir, n, filepath.Join(dir, e.Name()))
		}
	}
	return nil
}

// inheritance finds the bold.json files that apply to a run, from the dataset
// level down to the run's folder, reading each folder once.
type inheritance struct {
	root  string
	cache map[string][]sidecarFile
}

type sidecarFile struct {
	n    name
	path string
}

func newInheritance(root string) *inheritance {
	return &inheritance{root: root, cache: map[string][]sidecarFile{}}
}

func (in *inheritance) files(dir string) ([]sidecarFile, error) {
	if f, ok := in.cache[dir]; ok {
		return f, nil
	}
	ents, err := os.ReadDir(dir)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var out []sidecarFile
	for _, e := range ents {
		if n, ok := parseName(e.Name()); ok && n.suffix == "bold" && n.ext == ".json" && !e.IsDir() {
			out = append(out, sidecarFile{n, filepath.Join(dir, e.Name())})
		}
	}
	// Fewer entities first: the more specific file overrides.
	sort.SliceStable(out, func(i, j int) bool { return len(out[i].n.keys) < len(out[j].n.keys) })
	in.cache[dir] = out
	return out, nil
}

// sidecar merges the applicable sidecars of run n (whose files are in funcDir)
// and returns the merged fields and the files used, least specific first.
func (in *inheritance) sidecar(n name, funcDir string) (Sidecar, []string, error) {
	dirs := []string{in.root, filepath.Join(in.root, "sub-"+n.get("sub"))}
	if s := n.get("ses"); s != "" {
		dirs = append(dirs, filepath.Join(dirs[1], "ses-"+s))
	}
	dirs = append(dirs, funcDir)
	merged := map[string]json.RawMessage{}
	var used []string
	for _, dir := range dirs {
		files, err := in.files(dir)
		if err != nil {
			return Sidecar{}, nil, err
		}
		for _, f := range files {
			if !f.n.subsetOf(n) {
				continue
			}
			m, err := readObject(f.path)
			if err != nil {
				return Sidecar{}, nil, err
			}
			if _, err := sidecarFrom(m); err != nil {
				return Sidecar{}, nil, fmt.Errorf("read %s: %w", f.path, err)
			}
			for k, v := range m {
				merged[k] = v
			}
			used = append(used, f.path)
		}
	}
	s, err := sidecarFrom(merged)
	if err != nil && len(used) > 0 {
		return s, nil, fmt.Errorf("sidecars %s merged: %w", strings.Join(used, ", "), err)
	}
	return s, used, nil
}
