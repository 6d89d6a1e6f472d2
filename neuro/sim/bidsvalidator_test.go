package sim

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"fmriface/neuro/bids"
)

// validatorWarnings are the warnings the official validator may give on a
// simulated dataset, each for a reason docs/real-data.md explains; any other
// warning, and any error, fails TestBIDSValidator.
var validatorWarnings = map[string]string{
	// The real design gives the subjects different numbers of sessions and
	// runs (107, 100, 98, 99 face runs), and the simulator keeps them.
	"INCONSISTENT_SUBJECTS": "subjects with different runs, as in ds001761",
}

// bidsValidator returns the pinned bids-validator command (installed by
// `make test-bids` with npm), or skips the test when it or node is absent.
// FMRIFACE_BIDS_VALIDATOR overrides the path.
func bidsValidator(t *testing.T) string {
	t.Helper()
	bin := os.Getenv("FMRIFACE_BIDS_VALIDATOR")
	if bin == "" {
		bin = filepath.Join("testdata", "bids-validator", "node_modules", ".bin", "bids-validator")
	}
	if _, err := os.Stat(bin); err != nil {
		t.Skipf("bids-validator not installed (%v): `make test-bids` installs it with npm and runs this test", err)
	}
	if _, err := exec.LookPath("node"); err != nil {
		t.Skip("node not found: the BIDS validator needs Node.js")
	}
	abs, err := filepath.Abs(bin)
	if err != nil {
		t.Fatal(err)
	}
	return abs
}

// validatorReport is the part of `bids-validator --json` the test reads.
type validatorReport struct {
	Issues struct {
		Errors   []validatorIssue `json:"errors"`
		Warnings []validatorIssue `json:"warnings"`
	} `json:"issues"`
	Summary struct {
		Subjects []string `json:"subjects"`
		Tasks    []string `json:"tasks"`
	} `json:"summary"`
}

type validatorIssue struct {
	Key    string `json:"key"`
	Code   int    `json:"code"`
	Reason string `json:"reason"`
	Files  []struct {
		File struct {
			RelativePath string `json:"relativePath"`
		} `json:"file"`
		Evidence any `json:"evidence"`
	} `json:"files"`
}

// TestBIDSValidator simulates a small dataset on the real design (two
// subjects, two runs each; a synthetic design when ../shared is absent) and
// runs the official BIDS validator on it: no error, and no warning but those
// of validatorWarnings.
func TestBIDSValidator(t *testing.T) {
	bin := bidsValidator(t)
	design := "../../../shared/ds001761-design"
	cfg := tinyConfig("01", "02")
	cfg.MaxRuns = 2
	pool := testPool(600, 500, 32)
	if _, err := os.Stat(design); err != nil {
		t.Logf("real design not available (%v): a synthetic one", err)
		design = testDesign(t, []string{"01", "02"}, 2, 80)
	} else {
		cfg.NVols = 195
	}
	out, _ := simulateTiny(t, cfg, design, pool)

	// What the validator checks below is written: the SliceTiming of every
	// slice and the data dictionaries.
	side, err := bids.ReadSidecar(filepath.Join(out, "sub-01", "ses-01", "func", "sub-01_ses-01_task-faces_run-01_bold.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(side.SliceTiming) != cfg.Grid[2] || side.SliceTiming[0] != cfg.TR/2 {
		t.Errorf("SliceTiming %v, want %d slices at %g s", side.SliceTiming, cfg.Grid[2], cfg.TR/2)
	}
	for _, f := range []string{"task-faces_events.json", "participants.tsv", "participants.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, "--json", out)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	runErr := cmd.Run() // exits non-zero when it finds errors: read the report first
	var rep validatorReport
	if err := json.Unmarshal(stdout.Bytes(), &rep); err != nil {
		t.Fatalf("bids-validator: %v; no JSON report (%v)\nstdout: %.2000s\nstderr: %.2000s", runErr, err, stdout.String(), stderr.String())
	}
	for _, e := range rep.Issues.Errors {
		t.Errorf("validator error %s (code %d): %s", e.Key, e.Code, e.Reason)
		for i, f := range e.Files {
			if i == 3 {
				break
			}
			t.Logf("  %s: %v", f.File.RelativePath, f.Evidence)
		}
	}
	for _, w := range rep.Issues.Warnings {
		why, ok := validatorWarnings[w.Key]
		if !ok {
			t.Errorf("validator warning %s (code %d) is not one docs/real-data.md explains: %s", w.Key, w.Code, w.Reason)
			continue
		}
		t.Logf("validator warning %s: expected (%s)", w.Key, why)
	}
	if runErr != nil && len(rep.Issues.Errors) == 0 {
		t.Errorf("bids-validator: %v\nstderr: %.2000s", runErr, stderr.String())
	}
	if !slices.Equal(rep.Summary.Subjects, []string{"01", "02"}) || !slices.Equal(rep.Summary.Tasks, []string{"faces"}) {
		t.Errorf("validator saw subjects %v, tasks %v", rep.Summary.Subjects, rep.Summary.Tasks)
	}
}
