package sim

import (
	"fmt"
	"path/filepath"

	"fmriface/contract/simtruth"
	"fmriface/neuro/bids"
	"fmriface/neuro/tsv"
)

// The BIDS metadata of a simulated dataset beyond the description: the data
// dictionaries of its custom columns and participants.tsv. With them the
// official validator (bids-validator 1.15) reports no error and only the
// warnings docs/real-data.md explains.

// simAuthors credits who made a simulated dataset: the simulator, and the
// authors of the real design whose events it replays (simRoles says who did
// what; the validator wants one plain name per entry, at most one comma).
func simAuthors() []string {
	return []string{"fmriface contributors", "VanRullen, R.", "Reddy, L."}
}

// simRoles is the description's Acknowledgements: each author's part.
const simRoles = "fmriface contributors made the virtual subjects and their BOLD images (SIMULATED, not real brain data); " +
	"VanRullen, R. and Reddy, L. made the experimental design and the events, from OpenNeuro ds001761 (CC0)."

// simSourceDatasets names the real dataset whose events a simulation replays.
func simSourceDatasets() []map[string]string {
	return []map[string]string{{
		"DOI":     "doi:10.18112/openneuro.ds001761.v2.0.1",
		"URL":     "https://openneuro.org/datasets/ds001761/versions/2.0.1",
		"Version": "2.0.1",
	}}
}

// writeBIDSMetadata writes task-faces_events.json (the data dictionary of the
// events' columns, inherited by every run), participants.tsv and its
// participants.json.
func writeBIDSMetadata(out string, cfg Config) error {
	note := "The virtual subject was shown instead the CelebA face that derivatives/" + simtruth.DerivName +
		"/sub-<label>/sub-<label>_stimuli.tsv maps this name to (its stim_file column); CelebA images are not redistributed."
	if err := bids.WriteJSON(filepath.Join(out, "task-faces_events.json"), bids.EventsDictionary(note)); err != nil {
		return err
	}
	rows := make([][]string, len(cfg.Subjects))
	for i, s := range cfg.Subjects {
		if i >= len(cfg.Noise) {
			return fmt.Errorf("sim: %d noise levels for %d subjects", len(cfg.Noise), len(cfg.Subjects))
		}
		rows[i] = []string{"sub-" + s, tsv.FormatFloat(cfg.Noise[i])}
	}
	if err := tsv.Write(filepath.Join(out, "participants.tsv"), []string{"participant_id", "noise"}, rows); err != nil {
		return err
	}
	return bids.WriteJSON(filepath.Join(out, "participants.json"), map[string]any{
		"participant_id": map[string]any{
			"Description": "virtual subject; its events are those of the real ds001761 participant with the same label",
		},
		"noise": map[string]any{
			"LongName": "noise scale",
			"Description": "scale of every noise source of the simulated brain (1 = the simulator's base level); " +
				"the defaults are calibrated so that VAE-GAN pairwise decoding lands near the paper's per-subject values",
			"Units": "arbitrary",
		},
	})
}
