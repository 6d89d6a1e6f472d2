package analysis

import (
	"fmt"
	"path/filepath"
	"strings"

	"fmriface/util/plots"
)

// brainOf names the brain model of an evaluation's subjects ("real" for
// real data).
func brainOf(e *Evaluation) string {
	if len(e.Subjects) == 0 || !e.Subjects[0].Simulated {
		return "real"
	}
	if b := e.Subjects[0].Brain; b != "" {
		return "brain " + b
	}
	return "brain v1"
}

// brainTable puts this evaluation's group means beside the paper's and,
// with Compare, beside another brain's: pairwise per ROI for both latent
// spaces, then 1-of-20, gender and imagery with all voxels.
func (in *ReportInput) brainTable(b *strings.Builder, models []string) {
	if in.Compare == nil {
		return
	}
	evs := []*Evaluation{in.Eval, in.Compare}
	fmt.Fprintf(b, "\n## Two virtual brains on the same protocol\n\nGroup means, %%, as VAE-GAN / PCA. The paper's are targets of the brain v2's calibration only for pairwise accuracy (on another seed); every other number emerges.\n\n| measure | ROI | paper |")
	for _, e := range evs {
		fmt.Fprintf(b, " %s (seed %d) |", brainOf(e), e.Subjects[0].SimSeed)
	}
	b.WriteString("\n|---|---|---|" + strings.Repeat("---|", len(evs)) + "\n")
	row := func(measure, roi string) {
		fmt.Fprintf(b, "| %s | %s | %s |", measure, roi, pair(models, func(m string) float64 { return in.paper(measure, m, roi)[len(in.Eval.Subjects)] }))
		for _, e := range evs {
			fmt.Fprintf(b, " %s |", pair(models, func(m string) float64 { return val(metricOf(e.Group[m][roi], measure)) }))
		}
		b.WriteString("\n")
	}
	for _, roi := range roiNames {
		row("pairwise", roi)
	}
	for _, measure := range []string{"one_of_20", "gender", "imagery_pairwise"} {
		row(measure, "all")
	}
	b.WriteString("\n")
}

// pair formats one value per model as "a / b" in percent ("–" when NaN).
func pair(models []string, f func(string) float64) string {
	var parts []string
	for _, m := range models {
		v := f(m)
		if v != v {
			parts = append(parts, "–")
		} else {
			parts = append(parts, fmt.Sprintf("%.1f", 100*v))
		}
	}
	return strings.Join(parts, " / ")
}

// rsaReferences are the RSA's references in display order.
func rsaReferences(models []string) (keys, labels []string) {
	for _, m := range models {
		keys, labels = append(keys, m), append(labels, modelLabel[m]+" latent")
	}
	keys = append(keys, LevelLow, LevelMid, LevelHigh)
	labels = append(labels, "low: Gabor energy", "mid: network block 3", "high: network embedding")
	return keys, labels
}

// rsaSection is the representational similarity analysis: for each brain,
// a figure of each ROI's RDM against the references' (group-mean Spearman
// ρ over subjects) and its table.
func (in *ReportInput) rsaSection(b *strings.Builder, models []string) error {
	evs := []*Evaluation{in.Eval}
	if in.Compare != nil && in.Compare.GroupRSA != nil {
		evs = append(evs, in.Compare)
	}
	if in.Eval.GroupRSA == nil {
		return nil
	}
	keys, labels := rsaReferences(models)
	fmt.Fprintf(b, "\n## Which space does the brain resemble? Representational similarity\n\n"+
		"Each ROI's dissimilarity matrix over the 20 test faces (1 − Pearson r between their response patterns over the voxels that respond to faces, "+
		"t > the selection threshold, each voxel's mean over the test faces removed) against that of each reference over the same faces: "+
		"the true latents of each space, and three stimulus feature levels computed from the images (standardised features; Kriegeskorte et al. 2008). "+
		"Spearman ρ of the upper triangles, mean over subjects. This is measured before any decoding.\n\n")
	for _, e := range evs {
		name := strings.ReplaceAll(brainOf(e), " ", "_")
		file := fmt.Sprintf("rsa_%s.png", name)
		vals := make([][]float64, len(keys))
		for k, key := range keys {
			for _, roi := range roiNames {
				v, ok := e.GroupRSA[roi][key]
				if !ok {
					v = 0
				}
				vals[k] = append(vals[k], v)
			}
		}
		title := fmt.Sprintf("RSA, %s: ROI RDM against each reference (Spearman ρ, mean of subjects)", brainOf(e))
		if err := plots.Bars(filepath.Join(in.Out, file), title, "Spearman ρ", roiNames, labels, vals, []float64{0}); err != nil {
			return err
		}
		fmt.Fprintf(b, "![RSA %s](%s)\n\n| %s | ROI |", brainOf(e), file, brainOf(e))
		for _, l := range labels {
			fmt.Fprintf(b, " %s |", l)
		}
		b.WriteString("\n|---|---|" + strings.Repeat("---|", len(labels)) + "\n")
		for r, roi := range roiNames {
			fmt.Fprintf(b, "| %s | %s |", map[bool]string{true: brainOf(e), false: ""}[r == 0], roi)
			for k := range keys {
				fmt.Fprintf(b, " %.3f |", vals[k][r])
			}
			b.WriteString("\n")
		}
		b.WriteString("\n")
	}
	return nil
}
