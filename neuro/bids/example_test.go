package bids_test

import (
	"fmt"
	"log"
	"os"

	"fmriface/neuro/bids"
)

// A simulator writes a run's text files; a reader lists the run and its events.
// (The BOLD image itself is written with nifti.Create at
// e.File(root, "bold", ".nii.gz").)
func Example() {
	root, _ := os.MkdirTemp("", "bids-example")
	defer os.RemoveAll(root)

	err := bids.WriteDescription(root, bids.Description{
		Name: "virtual subjects", BIDSVersion: "1.8.0", DatasetType: "raw",
		GeneratedBy: []bids.GeneratedBy{{Name: "fmriface simulate"}},
		Extra:       map[string]any{"Seed": 1},
	})
	if err != nil {
		log.Fatal(err)
	}
	e := bids.Entities{Subject: "01", Session: "01", Task: "faces", Run: 1}
	events := []bids.Event{
		{Onset: 6, Duration: 1, TrialType: "train_face", StimFile: "sub01/run01/F0001.jpg"},
		{Onset: 9, Duration: 1, TrialType: "Fix"},
	}
	if err := bids.WriteEvents(e.File(root, "events", ".tsv"), events); err != nil {
		log.Fatal(err)
	}
	if err := bids.WriteSidecar(e.File(root, "bold", ".json"), bids.Sidecar{RepetitionTime: 2, TaskName: "faces"}); err != nil {
		log.Fatal(err)
	}

	d, err := bids.Open(root)
	if err != nil {
		log.Fatal(err)
	}
	runs, err := d.Runs("01", "faces")
	if err != nil {
		log.Fatal(err)
	}
	for _, r := range runs {
		ev, err := bids.ReadEvents(r.EventsPath)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(r.Prefix(), "TR", r.TR, "missing", r.Missing(), "events", len(ev), ev[0].TrialType)
	}
	// Output:
	// sub-01_ses-01_task-faces_run-01 TR 2 missing [bold] events 2 train_face
}
