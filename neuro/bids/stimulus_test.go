package bids

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
)

// The image's name is read from ds001761's stim_file column, or from the
// stimulus column that WriteEvents writes; the localizer's files have
// neither.
func TestEventsStimulusColumn(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		name, body, want string
	}{
		{"real ds001761", "onset\tduration\ttrial_type\tstim_file\toneback\n6.015318\t0.998691\ttrain_face\tsub01/run27/F1178.jpg\t0\n", "sub01/run27/F1178.jpg"},
		{"written here", "onset\tduration\ttrial_type\tstimulus\toneback\n6\t1\ttrain_face\tsub01/run01/F0031.jpg\t0\n", "sub01/run01/F0031.jpg"},
		{"both: stim_file wins", "onset\tduration\ttrial_type\tstimulus\tstim_file\n6\t1\ttest_face\tother\tsub01/run01/M0003.jpg\n", "sub01/run01/M0003.jpg"},
		{"localizer", "onset\tduration\ttrial_type\n0\t16\tfix   \n", ""},
		{"n/a", "onset\tduration\ttrial_type\tstimulus\n0\t3\tFix\tn/a\n", ""},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			path := filepath.Join(dir, filepath.Base(t.Name())+"_events.tsv")
			if err := os.WriteFile(path, []byte(c.body), 0o644); err != nil {
				t.Fatal(err)
			}
			ev, err := ReadEvents(path)
			if err != nil {
				t.Fatal(err)
			}
			if len(ev) != 1 || ev[0].StimFile != c.want {
				t.Errorf("case %d: events %+v, want stimulus %q", i, ev, c.want)
			}
		})
	}
	// WriteEvents writes the stimulus column, and its dictionary describes
	// every column beyond onset and duration.
	path := filepath.Join(dir, "w_events.tsv")
	if err := WriteEvents(path, []Event{{Onset: 6, Duration: 1, TrialType: "train_face", StimFile: "sub01/run01/F0031.jpg", OneBack: true}}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	if string(b) != "onset\tduration\ttrial_type\tstimulus\toneback\n6\t1\ttrain_face\tsub01/run01/F0031.jpg\t1\n" {
		t.Errorf("written %q", b)
	}
	dict := filepath.Join(dir, "task-faces_events.json")
	if err := WriteJSON(dict, EventsDictionary("no images here")); err != nil {
		t.Fatal(err)
	}
	var m map[string]struct {
		Description string
		Levels      map[string]string
	}
	b, _ = os.ReadFile(dict)
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	for _, col := range []string{"trial_type", StimulusColumn, "oneback"} {
		if m[col].Description == "" {
			t.Errorf("%s: no description in %s", col, b)
		}
	}
	if len(m["trial_type"].Levels) != 4 || len(m["oneback"].Levels) != 2 {
		t.Errorf("levels %+v", m)
	}
}
