package bids

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"fmriface/neuro/tsv"
)

// Event is one row of an events.tsv. In ds001761 TrialType is train_face,
// test_face, Fix or Img, StimFile names the image ("sub01/run53/F0031.jpg",
// the stim_file column of the real dataset, the stimulus column of a dataset
// written by WriteEvents), and OneBack marks an immediate repeat of the
// previous image.
type Event struct {
	Onset     float64 // seconds from the first volume
	Duration  float64 // seconds
	TrialType string  // "" when the file says n/a
	StimFile  string  // "" when absent or n/a
	OneBack   bool
}

// StimulusColumn is the column in which WriteEvents names each image. BIDS's
// own stim_file column must name a file of the dataset's stimuli/ folder (the
// validator's STIMULUS_FILE_MISSING error otherwise), and a dataset written
// here holds no image: the virtual subjects' faces are CelebA images, which
// are never copied. The ds001761 README calls the column "stimulus" too;
// WriteEventsDictionary describes it.
const StimulusColumn = "stimulus"

// ReadEvents reads an events.tsv strictly: the columns onset, duration and
// trial_type are required (stim_file, or StimulusColumn when the file has no
// stim_file, and oneback are optional); onsets must be
// finite numbers, durations finite and ≥ 0, oneback 0, 1 or n/a. Values are
// trimmed of surrounding spaces (ds001761's localizer files pad trial_type).
// Errors name the file, the line and the column.
func ReadEvents(path string) ([]Event, error) {
	t, err := tsv.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if err := t.Require("onset", "duration", "trial_type"); err != nil {
		return nil, err
	}
	onset, err := t.Float("onset")
	if err != nil {
		return nil, err
	}
	dur, err := t.Float("duration")
	if err != nil {
		return nil, err
	}
	onsetRaw, _ := t.Column("onset")
	tt, _ := t.Column("trial_type")
	var stim, oneback []string
	switch {
	case t.Has("stim_file"):
		stim, _ = t.Column("stim_file")
	case t.Has(StimulusColumn):
		stim, _ = t.Column(StimulusColumn)
	}
	if t.Has("oneback") {
		oneback, _ = t.Column("oneback")
	}
	bad := func(i int, col, format string, a ...any) error {
		return fmt.Errorf("read %s: line %d, column %q: %s", path, i+2, col, fmt.Sprintf(format, a...))
	}
	na := func(s string) string {
		s = strings.TrimSpace(s)
		if s == tsv.NA {
			return ""
		}
		return s
	}
	ev := make([]Event, t.Len())
	for i := range ev {
		if math.IsNaN(onset[i]) || math.IsInf(onset[i], 0) {
			return nil, bad(i, "onset", "%q, want a number of seconds", onsetRaw[i])
		}
		if !(dur[i] >= 0) || math.IsInf(dur[i], 0) {
			return nil, bad(i, "duration", "%v, want a number of seconds ≥ 0", dur[i])
		}
		ev[i] = Event{Onset: onset[i], Duration: dur[i], TrialType: na(tt[i])}
		if stim != nil {
			ev[i].StimFile = na(stim[i])
		}
		if oneback != nil {
			switch na(oneback[i]) {
			case "0", "":
			case "1":
				ev[i].OneBack = true
			default:
				return nil, bad(i, "oneback", "%q, want 0, 1 or n/a", oneback[i])
			}
		}
	}
	return ev, nil
}

// WriteEvents writes an events.tsv with the ds001761 columns onset, duration,
// trial_type, StimulusColumn (ds001761's stim_file) and oneback, atomically,
// creating the folder if needed. Numbers are written so that ReadEvents gives
// them back exactly.
func WriteEvents(path string, events []Event) error {
	rows := make([][]string, len(events))
	orNA := func(s string) string {
		if s == "" {
			return tsv.NA
		}
		return s
	}
	for i, e := range events {
		if math.IsNaN(e.Onset) || math.IsInf(e.Onset, 0) || !(e.Duration >= 0) || math.IsInf(e.Duration, 0) {
			return fmt.Errorf("write %s: event %d has onset %v, duration %v", path, i, e.Onset, e.Duration)
		}
		if e.TrialType != strings.TrimSpace(e.TrialType) || e.StimFile != strings.TrimSpace(e.StimFile) {
			return fmt.Errorf("write %s: event %d: trial_type %q or stim_file %q has surrounding spaces", path, i, e.TrialType, e.StimFile)
		}
		ob := "0"
		if e.OneBack {
			ob = "1"
		}
		rows[i] = []string{tsv.FormatFloat(e.Onset), tsv.FormatFloat(e.Duration), orNA(e.TrialType), orNA(e.StimFile), ob}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return tsv.Write(path, []string{"onset", "duration", "trial_type", StimulusColumn, "oneback"}, rows)
}

// EventsDictionary is the BIDS data dictionary (an events.json) of the
// columns WriteEvents writes beyond onset and duration: the ds001761 trial
// types, StimulusColumn and oneback. stimulusNote is appended to the
// stimulus column's description (what a reader should know about the images
// of this dataset).
func EventsDictionary(stimulusNote string) map[string]any {
	stim := "Name of the image shown, as in OpenNeuro ds001761 (its stim_file column: a path under that " +
		"dataset's stimuli/ folder, e.g. sub01/run27/F1178.jpg; placeholders/fixation.png on fixation and " +
		"imagery trials). Not BIDS's stim_file: this dataset holds no stimuli/ folder."
	if stimulusNote != "" {
		stim += " " + stimulusNote
	}
	return map[string]any{
		"trial_type": map[string]any{
			"LongName":    "Trial type",
			"Description": "Kind of trial of the ds001761 face task (VanRullen & Reddy 2019): 3-s trials, the face shown for 1 s.",
			"Levels": map[string]string{
				"train_face": "a face of the training set (each shown once, or twice when a one-back repeat follows)",
				"test_face":  "one of the subject's 20 test faces, each shown about 45 to 56 times over the sessions",
				"Fix":        "fixation trial, no face",
				"Img":        "imagery block (12 s): the participant imagines one face, chosen beforehand from a set of 20",
			},
		},
		StimulusColumn: map[string]any{
			"LongName":    "Stimulus name",
			"Description": stim,
		},
		"oneback": map[string]any{
			"LongName":    "One-back repeat",
			"Description": "Whether the image repeats the previous trial's (the one-back task: the participant presses a button).",
			"Levels": map[string]string{
				"0": "not a repeat",
				"1": "an immediate repeat of the previous image (excluded from decoder training)",
			},
		},
	}
}

// WriteJSON writes any JSON object (a data dictionary such as
// EventsDictionary's) to path, keys sorted and indented, atomically.
func WriteJSON(path string, v map[string]any) error {
	return writeObject(path, struct{}{}, v)
}

// MotionColumns returns the six fMRIPrep head-motion regressors.
func MotionColumns() []string {
	return []string{"trans_x", "trans_y", "trans_z", "rot_x", "rot_y", "rot_z"}
}

// ReadConfounds reads the named columns (all columns when cols is empty) of an
// fMRIPrep *_desc-confounds_timeseries.tsv as rows × len(cols). fMRIPrep
// writes n/a in the first row of derivative and displacement columns: those
// become 0. An n/a in any later row, a missing column or an unparsable value is
// an error naming the file, line and column.
func ReadConfounds(path string, cols []string) ([][]float64, error) {
	t, err := tsv.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(cols) == 0 {
		cols = t.Header
	}
	if err := t.Require(cols...); err != nil {
		return nil, err
	}
	out := make([][]float64, t.Len())
	flat := make([]float64, t.Len()*len(cols))
	for i := range out {
		out[i] = flat[i*len(cols) : (i+1)*len(cols)]
	}
	for j, c := range cols {
		v, err := t.Float(c)
		if err != nil {
			return nil, err
		}
		for i, x := range v {
			if math.IsNaN(x) {
				if i > 0 {
					return nil, fmt.Errorf("read %s: line %d, column %q: n/a after the first row", path, i+2, c)
				}
				x = 0
			}
			out[i][j] = x
		}
	}
	return out, nil
}

// WriteConfounds writes a confounds table (rows × len(cols)) atomically; NaN
// is written as n/a.
func WriteConfounds(path string, cols []string, rows [][]float64) error {
	s := make([][]string, len(rows))
	for i, r := range rows {
		if len(r) != len(cols) {
			return fmt.Errorf("write %s: row %d has %d values for %d columns", path, i, len(r), len(cols))
		}
		s[i] = make([]string, len(r))
		for j, v := range r {
			s[i][j] = tsv.FormatFloat(v)
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	return tsv.Write(path, cols, s)
}
