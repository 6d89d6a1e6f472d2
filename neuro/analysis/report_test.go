package analysis

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// syntheticEval is an evaluation of two subjects whose every measure is v
// (pairwise) and whose RSA prefers the VAE-GAN latent by rho.
func syntheticEval(brain string, seed int64, v, rho float64) *Evaluation {
	e := &Evaluation{Draws: 100}
	for _, id := range []string{"sub-01", "sub-02"} {
		s := &SubjectEval{Subject: id, Simulated: true, SimSeed: seed, Brain: brain, Models: map[string]map[string]Metrics{},
			RSA: map[string]map[string]float64{}}
		for _, m := range []string{"vaegan", "pca"} {
			s.Models[m] = map[string]Metrics{}
			for _, roi := range roiNames {
				x := v
				if m == "pca" {
					x -= 0.1
				}
				s.Models[m][roi] = Metrics{Pairwise: fp(x), PairwiseP: fp(0.001), OneOf20: fp(x / 2), Gender: fp(0.7)}
			}
		}
		for _, roi := range roiNames {
			s.RSA[roi] = map[string]float64{"vaegan": rho, "pca": rho / 2, LevelLow: 0.1, LevelMid: 0.2, LevelHigh: 0.3}
		}
		e.Subjects = append(e.Subjects, s)
	}
	e.Summarize()
	return e
}

func TestReportComparesBrainsAndWritesResults(t *testing.T) {
	out := t.TempDir()
	in := ReportInput{Eval: syntheticEval("v2", 1, 0.9, 0.4), Compare: syntheticEval("v1", 1, 0.8, 0.2), Out: out}
	if err := WriteReport(in); err != nil {
		t.Fatal(err)
	}
	readme, err := os.ReadFile(filepath.Join(out, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"Two virtual brains", "| pairwise | all | 95.5 / 87.5 | 90.0 / 80.0 | 80.0 / 70.0 |",
		"rsa_brain_v2.png", "rsa_brain_v1.png", "| brain v2 | all | 0.400 | 0.200 | 0.100 | 0.200 | 0.300 |"} {
		if !strings.Contains(string(readme), want) {
			t.Errorf("README lacks %q", want)
		}
	}
	for _, f := range []string{"rsa_brain_v2.png", "rsa_brain_v1.png"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
	b, err := os.ReadFile(filepath.Join(out, ResultsFileName))
	if err != nil {
		t.Fatal(err)
	}
	var r struct {
		Seed      int64
		Brain     string
		Subjects  map[string]map[string]map[string]map[string]*float64
		GroupMean map[string]map[string]map[string]*float64 `json:"group_mean"`
	}
	if err := json.Unmarshal(b, &r); err != nil {
		t.Fatal(err)
	}
	if r.Seed != 1 || r.Brain != "v2" || *r.Subjects["sub-02"]["pca"]["temporal"]["pairwise"] != 0.8 ||
		*r.GroupMean["vaegan"]["all"]["one_of_20"] != 0.45 || r.Subjects["sub-01"]["vaegan"]["all"]["imagery_pairwise"] != nil {
		t.Errorf("results.json: %s", b)
	}
}

func TestResultsRejectsMixedSeeds(t *testing.T) {
	e := syntheticEval("v2", 1, 0.9, 0.4)
	e.Subjects[1].SimSeed = 2
	if _, err := e.Results(); err == nil {
		t.Error("subjects of two seeds summarised as one")
	}
}
