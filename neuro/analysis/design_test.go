package analysis

import (
	"fmt"
	"strings"
	"testing"

	"fmriface/neuro/bids"
)

// designData is two runs of hand-made events: 6 training faces, two test
// faces shown twice each, a one-back repeat, a fixation and an imagery
// block, plus a trial type the design does not model.
func designData() (*Data, *Stimuli) {
	st := &Stimuli{Map: map[string]string{}, Male: map[string]bool{}}
	d := &Data{Subject: "01"}
	for r := 1; r <= 2; r++ {
		var ev []bids.Event
		on := 6.0
		add := func(e bids.Event) { e.Onset, e.Duration = on, 1; ev = append(ev, e); on += 3 }
		for k := 0; k < 3; k++ {
			f := fmt.Sprintf("sub01/run%02d/F%04d.jpg", r, 10*r+k)
			st.Map[f] = fmt.Sprintf("%06d.jpg", 10*r+k)
			add(bids.Event{TrialType: TrialTrain, StimFile: f})
		}
		add(bids.Event{TrialType: TrialTrain, StimFile: ev[len(ev)-1].StimFile, OneBack: true})
		for _, t := range []string{"M9000.jpg", "F9001.jpg"} {
			f := fmt.Sprintf("sub01/run%02d/%s", r, t)
			st.Map[f] = "test-" + t
			add(bids.Event{TrialType: TrialTest, StimFile: f})
		}
		add(bids.Event{TrialType: "Fix"})
		add(bids.Event{TrialType: "button"})
		if r == 2 {
			ev = append(ev, bids.Event{Onset: on, Duration: 12, TrialType: TrialImg})
		}
		d.Runs = append(d.Runs, RunInfo{Entities: bids.Entities{Subject: "01", Session: fmt.Sprint(r), Task: "faces", Run: r}, TR: 2, NVols: 60, Events: ev})
	}
	return d, st
}

func TestBuildDesign(t *testing.T) {
	d, st := designData()
	z := func(k string) ([]float64, bool) {
		var s float64
		for _, c := range k {
			s += float64(c)
		}
		return []float64{s, float64(len(k)), float64(strings.Count(k, "1"))}, true
	}
	for _, c := range []struct {
		name   string
		spec   DesignSpec
		ntrain int
		unused int
		tests  int // test columns
		err    string
	}{
		{"pooled", DesignSpec{Latent: z, L: 2}, 6, 0, 2, ""},
		{"split", DesignSpec{Latent: z, L: 2, TestSplits: 2}, 6, 0, 4, ""},
		{"subset", DesignSpec{Latent: z, L: 2, TrainKeep: func(k string) bool { return k != "000010.jpg" }}, 5, 1, 2, ""},
		{"too many modulators", DesignSpec{Latent: z, L: 3, TrainKeep: func(k string) bool { return k < "000012.jpg" }}, 0, 0, 0, "cannot be full rank"},
	} {
		if c.spec.L == 2 {
			c.spec.Latent = func(k string) ([]float64, bool) { v, ok := z(k); return v[:2], ok }
		}
		lay, err := BuildDesign(d, st, c.spec)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: error %v, want %q", c.name, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		n := 0
		for _, row := range lay.Tests {
			for _, j := range row {
				if j >= 0 {
					n++
				}
			}
		}
		if lay.NTrain != c.ntrain || lay.NUnused != c.unused || n != c.tests || lay.NOneBack != 2 || lay.NImagery != 1 || lay.Ignored["button"] != 2 {
			t.Errorf("%s: train %d unused %d tests %d oneback %d imagery %d ignored %v; columns %v", c.name, lay.NTrain, lay.NUnused, n, lay.NOneBack, lay.NImagery, lay.Ignored, lay.Design.TaskNames)
		}
		if len(lay.Mods) != 2 || lay.Imagery < 0 || lay.TestImages[0] != "F9001.jpg" || lay.TestKeys[0] != "test-F9001.jpg" {
			t.Errorf("%s: layout %+v", c.name, lay)
		}
		if c.spec.TestSplits == 2 && (lay.TestTrials[0][0] != 1 || lay.TestTrials[1][0] != 1) {
			t.Errorf("%s: split trials %v", c.name, lay.TestTrials)
		}
	}
	// A training face without a mapping is named in the error.
	delete(st.Map, "sub01/run02/F0021.jpg")
	if _, err := BuildDesign(d, st, DesignSpec{Latent: z, L: 3}); err == nil || !strings.Contains(err.Error(), "F0021") {
		t.Errorf("unmapped face: %v", err)
	}
}
