package bids

import (
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
)

// Entities identify one run. Labels are alphanumeric, without their "sub-" or
// "ses-" prefix; an empty Session means the dataset has no session level and a
// zero Run means the name has no run entity.
type Entities struct {
	Subject string
	Session string
	Task    string
	Run     int
}

// Validate checks that the labels are non-empty (Session may be empty) and
// alphanumeric, as BIDS requires, and that Run is not negative.
func (e Entities) Validate() error {
	for _, f := range []struct{ key, v string }{{"sub", e.Subject}, {"ses", e.Session}, {"task", e.Task}} {
		if f.v == "" && f.key != "ses" {
			return fmt.Errorf("empty %s label", f.key)
		}
		if !isLabel(f.v) && f.v != "" {
			return fmt.Errorf("%s label %q is not alphanumeric", f.key, f.v)
		}
	}
	if e.Run < 0 {
		return fmt.Errorf("negative run %d", e.Run)
	}
	return nil
}

func isLabel(s string) bool {
	for _, c := range s {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9') {
			return false
		}
	}
	return s != ""
}

// Prefix is the name stem "sub-01_ses-01_task-faces_run-01" (run zero-padded
// to two digits, as in ds001761).
func (e Entities) Prefix() string {
	var b strings.Builder
	b.WriteString("sub-" + e.Subject)
	if e.Session != "" {
		b.WriteString("_ses-" + e.Session)
	}
	b.WriteString("_task-" + e.Task)
	if e.Run > 0 {
		fmt.Fprintf(&b, "_run-%02d", e.Run)
	}
	return b.String()
}

// FuncDir is <root>/sub-XX[/ses-YY]/func.
func (e Entities) FuncDir(root string) string {
	if e.Session == "" {
		return filepath.Join(root, "sub-"+e.Subject, "func")
	}
	return filepath.Join(root, "sub-"+e.Subject, "ses-"+e.Session, "func")
}

// File is the path of one of the run's files, e.g. File(root, "bold", ".nii.gz"),
// File(root, "events", ".tsv"), File(root, "bold", ".json").
func (e Entities) File(root, suffix, ext string) string {
	return filepath.Join(e.FuncDir(root), e.Prefix()+"_"+suffix+ext)
}

// DerivFile is the path of a derivative file of the run, with optional space
// and desc entities: DerivFile(root, "MNI152NLin2009cAsym", "preproc", "bold",
// ".nii.gz") or DerivFile(root, "", "confounds", "timeseries", ".tsv").
func (e Entities) DerivFile(root, space, desc, suffix, ext string) string {
	name := e.Prefix()
	if space != "" {
		name += "_space-" + space
	}
	if desc != "" {
		name += "_desc-" + desc
	}
	return filepath.Join(e.FuncDir(root), name+"_"+suffix+ext)
}

// name is a parsed BIDS file name: key-value entities in order, a suffix and an
// extension (everything from the first dot).
type name struct {
	keys, values []string
	suffix, ext  string
}

// parseName parses "sub-01_ses-01_task-faces_run-01_bold.nii.gz"; ok is false
// for a name that is not a BIDS entity chain.
func parseName(base string) (n name, ok bool) {
	stem := base
	if i := strings.IndexByte(base, '.'); i >= 0 {
		stem, n.ext = base[:i], base[i:]
	}
	parts := strings.Split(stem, "_")
	if len(parts) < 2 {
		return n, false
	}
	n.suffix = parts[len(parts)-1]
	if !isLabel(n.suffix) {
		return n, false
	}
	for _, p := range parts[:len(parts)-1] {
		k, v, found := strings.Cut(p, "-")
		if !found || !isLabel(k) || !isLabel(v) {
			return n, false
		}
		for _, seen := range n.keys {
			if seen == k {
				return n, false
			}
		}
		n.keys = append(n.keys, k)
		n.values = append(n.values, v)
	}
	return n, true
}

func (n name) get(key string) string {
	for i, k := range n.keys {
		if k == key {
			return n.values[i]
		}
	}
	return ""
}

// key joins the entities except those listed in drop, in file order.
func (n name) key(drop ...string) string {
	var parts []string
outer:
	for i, k := range n.keys {
		for _, d := range drop {
			if k == d {
				continue outer
			}
		}
		parts = append(parts, k+"-"+n.values[i])
	}
	return strings.Join(parts, "_")
}

// subsetOf reports whether every entity of n has the same value in run.
func (n name) subsetOf(run name) bool {
	for i, k := range n.keys {
		if run.get(k) != n.values[i] {
			return false
		}
	}
	return true
}

// entities converts the parsed name to Entities; the run label must be a
// number.
func (n name) entities() (Entities, error) {
	e := Entities{Subject: n.get("sub"), Session: n.get("ses"), Task: n.get("task")}
	if r := n.get("run"); r != "" {
		v, err := strconv.Atoi(r)
		if err != nil || v < 0 {
			return e, fmt.Errorf("run label %q is not a number", r)
		}
		e.Run = v
	}
	return e, nil
}

// trimPrefix accepts a label with or without its "sub-"/"ses-" prefix.
func trimPrefix(label, prefix string) string { return strings.TrimPrefix(label, prefix+"-") }

// lessLabel orders labels numerically when both are numbers ("2" < "10").
func lessLabel(a, b string) bool {
	x, ex := strconv.Atoi(a)
	y, ey := strconv.Atoi(b)
	if ex == nil && ey == nil && x != y {
		return x < y
	}
	return a < b
}
