package sim

import (
	"fmt"
	"math"
	"regexp"
	"strconv"

	"fmriface/contract/simtruth"
	"fmriface/neuro/bids"
)

// Trial types of ds001761's face runs.
const (
	TrialTrain = simtruth.TrialTrain // as in the ground truth's stimuli.tsv
	TrialTest  = simtruth.TrialTest
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
	NVols  int // volumes of the run
}

// dynRE finds the volume count in a Philips series description such as
// "EPI_run1_204dyn": ds001761's runs with an imagery block have 204 volumes,
// the others 195.
var dynRE = regexp.MustCompile(`_([0-9]{2,5})dyn`)

// runVolumes is the volume count of a run: from its image when there is one,
// else from the series description of its sidecar, else nvols; extended if
// needed so that every event starts within the run.
func runVolumes(r bids.Run, nvols int, tr float64, ev []bids.Event) (int, error) {
	n := nvols
	switch {
	case r.NVols > 0:
		n = r.NVols
	case r.SidecarPath != "":
		sc, err := bids.ReadSidecar(r.SidecarPath)
		if err != nil {
			return 0, err
		}
		if d, ok := sc.Extra["SeriesDescription"].(string); ok {
			if m := dynRE.FindStringSubmatch(d); m != nil {
				n, _ = strconv.Atoi(m[1])
			}
		}
	}
	for _, e := range ev {
		if e.Onset >= 0 && e.Onset < 1e6 {
			n = max(n, int(math.Floor(e.Onset/tr))+1)
		}
	}
	if n < 10 || n > 10000 {
		return 0, fmt.Errorf("sim: run %s: %d volumes", r.Prefix(), n)
	}
	return n, nil
}

// ReadDesign reads the face-task runs of a subject from a BIDS dataset (the
// ds001761 design skeleton, or the real dataset), in session and run order.
// maxRuns > 0 keeps only the first maxRuns runs. Every run must have an events
// file whose face trials name a stimulus. A run's volume count comes from its
// image, or its sidecar's series description ("…_204dyn"), else it is nvols;
// it is extended if an event would start after the last volume.
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
			return nil, fmt.Errorf("sim: design %s: run %s has no events file", root, r.Prefix())
		}
		if r.TR != 0 && math.Abs(r.TR-tr) > 1e-6 {
			return nil, fmt.Errorf("sim: design %s: run %s has TR %g s, the simulation uses %g s", root, r.Prefix(), r.TR, tr)
		}
		ev, err := bids.ReadEvents(r.EventsPath)
		if err != nil {
			return nil, err
		}
		n, err := runVolumes(r, nvols, tr, ev)
		if err != nil {
			return nil, err
		}
		if err := checkEvents(ev, n, tr); err != nil {
			return nil, fmt.Errorf("sim: %s: %w", r.EventsPath, err)
		}
		d.Runs = append(d.Runs, DesignRun{Entities: r.Entities, Events: ev, NVols: n})
	}
	return d, nil
}

// checkEvents checks what the simulator relies on in a run's events.
func checkEvents(ev []bids.Event, nvols int, tr float64) error {
	end := float64(nvols) * tr
	for i, e := range ev {
		// An event may run past the last volume (ds001761's last imagery
		// blocks do), but must start within the run.
		if e.Onset < 0 || e.Onset >= end {
			return fmt.Errorf("event %d (%s at %g s) starts outside the %d volumes of %g s", i+1, e.TrialType, e.Onset, nvols, tr)
		}
		if (e.TrialType == TrialTrain || e.TrialType == TrialTest) && e.StimFile == "" {
			return fmt.Errorf("event %d is a %s without a stim_file", i+1, e.TrialType)
		}
	}
	return nil
}
