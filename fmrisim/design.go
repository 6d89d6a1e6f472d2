package fmrisim

import (
	"fmt"
	"math"

	"fmriface/bids"
)

// Trial types of ds001761's face runs.
const (
	TrialTrain = "train_face"
	TrialTest  = "test_face"
	TrialFix   = "Fix"
	TrialImg   = "Img"
)

// Design is one subject's protocol: its face runs and their events.
type Design struct {
	Subject string // label without "sub-"
	Runs    []DesignRun
}

// DesignRun is one run of a Design.
type DesignRun struct {
	bids.Entities
	Events []bids.Event
}

// ReadDesign reads the face-task runs of a subject from a BIDS dataset (the
// ds001761 design skeleton, or the real dataset), in session and run order.
// maxRuns > 0 keeps only the first maxRuns runs. Every run must have an events
// file whose face and imagery trials name a stimulus (Img excepted) and end
// before nvols·tr seconds.
func ReadDesign(root, subject string, maxRuns, nvols int, tr float64) (*Design, error) {
	ds, err := bids.Open(root)
	if err != nil {
		return nil, err
	}
	runs, err := ds.Runs(subject, "faces")
	if err != nil {
		return nil, err
	}
	if maxRuns > 0 && len(runs) > maxRuns {
		runs = runs[:maxRuns]
	}
	d := &Design{Subject: runs[0].Subject}
	for _, r := range runs {
		if r.EventsPath == "" {
			return nil, fmt.Errorf("fmrisim: design %s: run %s has no events file", root, r.Prefix())
		}
		if r.TR != 0 && math.Abs(r.TR-tr) > 1e-6 {
			return nil, fmt.Errorf("fmrisim: design %s: run %s has TR %g s, the simulation uses %g s", root, r.Prefix(), r.TR, tr)
		}
		ev, err := bids.ReadEvents(r.EventsPath)
		if err != nil {
			return nil, err
		}
		if err := checkEvents(ev, nvols, tr); err != nil {
			return nil, fmt.Errorf("fmrisim: %s: %w", r.EventsPath, err)
		}
		d.Runs = append(d.Runs, DesignRun{Entities: r.Entities, Events: ev})
	}
	return d, nil
}

// checkEvents checks what the simulator relies on in a run's events.
func checkEvents(ev []bids.Event, nvols int, tr float64) error {
	end := float64(nvols) * tr
	for i, e := range ev {
		if e.Onset < 0 || e.Onset+e.Duration > end+1e-6 {
			return fmt.Errorf("event %d (%s at %g s, %g s long) lies outside the %d volumes of %g s", i+1, e.TrialType, e.Onset, e.Duration, nvols, tr)
		}
		if (e.TrialType == TrialTrain || e.TrialType == TrialTest) && e.StimFile == "" {
			return fmt.Errorf("event %d is a %s without a stim_file", i+1, e.TrialType)
		}
	}
	return nil
}
