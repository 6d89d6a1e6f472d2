package analysis

import (
	"encoding/json"
	"fmt"
	"path/filepath"

	"fmriface/util/atomicfile"
)

// ResultsFileName is the report's machine-readable summary (issue 20's
// shape): the paper's measures per subject, latent space and ROI, and their
// group means, as fractions.
const ResultsFileName = "results.json"

// Results is the content of results.json.
type Results struct {
	Seed        int64                                        `json:"seed"`  // simulation seed (0: real data)
	Brain       string                                       `json:"brain"` // the simulation's brain model ("" for real data)
	Subjects    map[string]map[string]map[string]ResultEntry `json:"subjects"`
	GroupMean   map[string]map[string]ResultEntry            `json:"group_mean"`
	RSA         map[string]map[string]float64                `json:"rsa_group_mean,omitempty"`
	Draws       int                                          `json:"draws"`
	CodeVersion string                                       `json:"code_version,omitempty"`
	Command     []string                                     `json:"command,omitempty"`
}

// ResultEntry is one cell of Results: subject (or group mean), latent
// space, ROI. A measure that could not be computed is null.
type ResultEntry struct {
	Pairwise        *float64 `json:"pairwise"`
	PairwiseP       *float64 `json:"pairwise_p"`
	OneOf20         *float64 `json:"one_of_20"`
	Gender          *float64 `json:"gender"`
	ImageryPairwise *float64 `json:"imagery_pairwise"`
}

func entry(m Metrics) ResultEntry {
	return ResultEntry{Pairwise: m.Pairwise, PairwiseP: m.PairwiseP, OneOf20: m.OneOf20, Gender: m.Gender, ImageryPairwise: m.ImageryPairwise}
}

// Results summarises the evaluation in results.json's shape. The seed and
// brain are the subjects' (an error if they differ).
func (e *Evaluation) Results() (*Results, error) {
	r := &Results{Subjects: map[string]map[string]map[string]ResultEntry{}, GroupMean: map[string]map[string]ResultEntry{},
		RSA: e.GroupRSA, Draws: e.Draws, CodeVersion: e.CodeVersion, Command: e.Command}
	for i, s := range e.Subjects {
		if i == 0 {
			r.Seed, r.Brain = s.SimSeed, s.Brain
		} else if s.SimSeed != r.Seed || s.Brain != r.Brain {
			return nil, fmt.Errorf("results: %s has seed %d, brain %q; %s has %d, %q", s.Subject, s.SimSeed, s.Brain, e.Subjects[0].Subject, r.Seed, r.Brain)
		}
		sub := map[string]map[string]ResultEntry{}
		for m, rois := range s.Models {
			sub[m] = map[string]ResultEntry{}
			for roi, mt := range rois {
				sub[m][roi] = entry(mt)
			}
		}
		r.Subjects[s.Subject] = sub
	}
	for m, rois := range e.Group {
		r.GroupMean[m] = map[string]ResultEntry{}
		for roi, mt := range rois {
			r.GroupMean[m][roi] = entry(mt)
		}
	}
	return r, nil
}

// WriteResults writes the evaluation's results.json into dir.
func (e *Evaluation) WriteResults(dir string) error {
	r, err := e.Results()
	if err != nil {
		return err
	}
	b, err := json.MarshalIndent(r, "", "  ")
	if err != nil {
		return fmt.Errorf("results: %w", err)
	}
	path := filepath.Join(dir, ResultsFileName)
	if err := atomicfile.WriteFile(path, append(b, '\n'), 0o644); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
