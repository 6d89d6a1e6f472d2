package analysis

import (
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"

	"fmriface/neuro/paper"
	"fmriface/util/atomicfile"
	"fmriface/util/imgrid"
	"fmriface/util/plots"
)

// ReportInput is what WriteReport renders.
type ReportInput struct {
	Eval    *Evaluation
	Results []*SubjectResult // same subjects as Eval, for the face grids
	Out     string           // folder: README.md and the PNG figures
	Title   string
	Intro   string // Markdown placed after the title (how it was made, calibration)
	Outro   string // Markdown placed at the end (discussion, timings)
	// Compare is another brain's evaluation (e.g. the brain v1 on the same
	// seed), shown beside this one; nil for none.
	Compare *Evaluation
}

var modelLabel = map[string]string{"vaegan": "VAE-GAN", "pca": "PCA"}

// metricOf picks one measure from a Metrics.
func metricOf(m Metrics, measure string) *float64 {
	switch measure {
	case "pairwise":
		return m.Pairwise
	case "one_of_20":
		return m.OneOf20
	case "gender":
		return m.Gender
	case "imagery_pairwise":
		return m.ImageryPairwise
	}
	return nil
}

func val(v *float64) float64 {
	if v == nil {
		return math.NaN()
	}
	return *v
}

func cell(v float64) string {
	if math.IsNaN(v) {
		return "—"
	}
	return fmt.Sprintf("%.1f", 100*v)
}

func zeroNaN(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		if !math.IsNaN(x) {
			out[i] = 100 * x
		}
	}
	return out
}

// ours returns, per subject and then the mean, a measure for model and ROI.
func (in *ReportInput) ours(measure, model, roi string, ridge bool) []float64 {
	var out []float64
	var vals []*float64
	for _, s := range in.Eval.Subjects {
		var mt Metrics
		if ridge {
			if ex := s.Extras[model]; ex != nil {
				mt = ex.Ridge[roi]
			}
		} else {
			mt = s.Models[model][roi]
		}
		v := metricOf(mt, measure)
		vals = append(vals, v)
		out = append(out, val(v))
	}
	return append(out, val(Mean(vals)))
}

// paper returns the paper's values for the subjects (sub-0N is the
// paper's SN; NaN where absent) and its group mean.
func (in *ReportInput) paper(measure, model, roi string) []float64 {
	n := len(in.Eval.Subjects)
	out := make([]float64, n+1)
	for i := range out {
		out[i] = math.NaN()
	}
	per, mean, ok := paper.Lookup(measure, roi, model)
	if !ok {
		return out
	}
	for i, s := range in.Eval.Subjects {
		var k int
		if _, err := fmt.Sscanf(s.Subject, "sub-%d", &k); err == nil && k >= 1 && k <= 4 {
			out[i] = per[k-1]
		}
	}
	out[n] = mean
	return out
}

func (in *ReportInput) groups() []string {
	var g []string
	for _, s := range in.Eval.Subjects {
		g = append(g, s.Subject)
	}
	return append(g, "mean")
}

func (in *ReportInput) models() []string {
	var out []string
	for _, m := range []string{"vaegan", "pca"} {
		for _, s := range in.Eval.Subjects {
			if _, ok := s.Models[m]; ok {
				out = append(out, m)
				break
			}
		}
	}
	return out
}

// WriteReport writes README.md and the figures into in.Out: one section
// per figure of the paper, then what goes beyond it.
func WriteReport(in ReportInput) error {
	if in.Eval == nil || len(in.Eval.Subjects) == 0 {
		return fmt.Errorf("report: no evaluated subjects")
	}
	if err := os.MkdirAll(in.Out, 0o755); err != nil {
		return err
	}
	var b strings.Builder
	title := in.Title
	if title == "" {
		title = "fMRI decoding results"
	}
	fmt.Fprintf(&b, "# %s\n\n%s\n", title, in.Intro)
	models := in.models()
	if err := in.identification(&b, models); err != nil {
		return err
	}
	if err := in.roiFigure(&b, models); err != nil {
		return err
	}
	in.brainTable(&b, models)
	if err := in.rsaSection(&b, models); err != nil {
		return err
	}
	if err := in.vaeganFigures(&b); err != nil {
		return err
	}
	in.ridgeTable(&b, models)
	if err := in.curve(&b); err != nil {
		return err
	}
	in.ssimTable(&b, models)
	if err := in.faceGrids(&b, models); err != nil {
		return err
	}
	b.WriteString(in.Outro)
	if err := in.Eval.WriteResults(in.Out); err != nil {
		return err
	}
	return atomicfile.WriteFile(filepath.Join(in.Out, "README.md"), []byte(b.String()), 0o644)
}

// identification is Fig. 4: pairwise and 1-of-20 per subject, all
// selected voxels, ours beside the paper's.
func (in *ReportInput) identification(b *strings.Builder, models []string) error {
	groups := in.groups()
	for _, fig := range []struct {
		measure, file, title string
		chance               float64
	}{
		{"pairwise", "fig4_pairwise.png", "Pairwise identification, all selected voxels (paper Fig. 4b)", 50},
		{"one_of_20", "fig4_one_of_20.png", "1-of-20 recognition, all selected voxels (paper Fig. 4c)", 5},
	} {
		var names []string
		var vals [][]float64
		for _, m := range models {
			names = append(names, modelLabel[m]+" (ours)")
			vals = append(vals, zeroNaN(in.ours(fig.measure, m, "all", false)))
		}
		for _, m := range models {
			names = append(names, modelLabel[m]+" (paper)")
			vals = append(vals, zeroNaN(in.paper(fig.measure, m, "all")))
		}
		if err := plots.Bars(filepath.Join(in.Out, fig.file), fig.title, "accuracy, %", groups, names, vals, []float64{fig.chance}); err != nil {
			return err
		}
		fmt.Fprintf(b, "\n## %s\n\n![%s](%s)\n\n", fig.title, fig.measure, fig.file)
		b.WriteString(in.subjectTable(fig.measure, models, "all"))
	}
	return nil
}

// roiFigure is Fig. 5: pairwise identification by ROI, mean over subjects.
func (in *ReportInput) roiFigure(b *strings.Builder, models []string) error {
	n := len(in.Eval.Subjects)
	rois := roiNames[1:]
	var names []string
	var vals [][]float64
	for _, src := range []string{"ours", "paper"} {
		for _, m := range models {
			names = append(names, fmt.Sprintf("%s (%s)", modelLabel[m], src))
			var row []float64
			for _, roi := range rois {
				if src == "ours" {
					row = append(row, in.ours("pairwise", m, roi, false)[n])
				} else {
					row = append(row, in.paper("pairwise", m, roi)[n])
				}
			}
			vals = append(vals, zeroNaN(row))
		}
	}
	const t = "Pairwise identification by ROI, mean over subjects (paper Fig. 5)"
	if err := plots.Bars(filepath.Join(in.Out, "fig5_rois.png"), t, "accuracy, %", rois, names, vals, []float64{50}); err != nil {
		return err
	}
	fmt.Fprintf(b, "\n## %s\n\n![ROIs](fig5_rois.png)\n\n", t)
	for _, roi := range rois {
		fmt.Fprintf(b, "**%s**\n\n", roi)
		b.WriteString(in.subjectTable("pairwise", models, roi))
	}
	return nil
}

// vaeganFigures are Fig. 6 (gender, with the true latents' ceiling) and
// Fig. 7 (imagery), from the VAE-GAN latent by ROI.
func (in *ReportInput) vaeganFigures(b *strings.Builder) error {
	n := len(in.Eval.Subjects)
	for _, fig := range []struct{ measure, file, title string }{
		{"gender", "fig6_gender.png", "Gender from the decoded VAE-GAN latent, by ROI (paper Fig. 6)"},
		{"imagery_pairwise", "fig7_imagery.png", "Imagery: decoded latent vs the imagined face and 19 others, VAE-GAN, by ROI (paper Fig. 7)"},
	} {
		all := roiNames
		ourRow, papRow := make([]float64, len(all)), make([]float64, len(all))
		for i, roi := range all {
			ourRow[i] = in.ours(fig.measure, "vaegan", roi, false)[n]
			papRow[i] = in.paper(fig.measure, "vaegan", roi)[n]
		}
		names := []string{"VAE-GAN (ours)", "VAE-GAN (paper)"}
		vals := [][]float64{zeroNaN(ourRow), zeroNaN(papRow)}
		if fig.measure == "gender" {
			var ceil []*float64
			for _, s := range in.Eval.Subjects {
				if ex := s.Extras["vaegan"]; ex != nil {
					ceil = append(ceil, ex.GenderCeiling)
				}
			}
			c := val(Mean(ceil))
			_, pc, _ := paper.Lookup("gender", "all", "ceiling")
			names = append(names, "ceiling: true latents (ours)", "ceiling (paper)")
			vals = append(vals, zeroNaN(fill(len(all), c)), zeroNaN(fill(len(all), pc)))
		}
		if err := plots.Bars(filepath.Join(in.Out, fig.file), fig.title, "accuracy, %", all, names, vals, []float64{50}); err != nil {
			return err
		}
		fmt.Fprintf(b, "\n## %s\n\n![%s](%s)\n\n", fig.title, fig.measure, fig.file)
		for _, roi := range all {
			fmt.Fprintf(b, "**%s**\n\n", roi)
			b.WriteString(in.subjectTable(fig.measure, []string{"vaegan"}, roi))
		}
		if fig.measure == "gender" {
			b.WriteString(in.ceilingTable())
		}
	}
	return nil
}

// ridgeTable is the ridge variant's pairwise identification and λ per
// subject and model, beside OLS (beyond the paper).
func (in *ReportInput) ridgeTable(b *strings.Builder, models []string) {
	fmt.Fprintf(b, "\n## Beyond the paper: cross-validated ridge encoding fit\n\n")
	b.WriteString("Same pipeline, W from a ridge fit with λ chosen by cross-validation over sessions (`glm.RidgeCV`); pairwise identification.\n\n")
	fmt.Fprintf(b, "| subject | model | λ | %s |\n|---|---|---|%s\n", strings.Join(roiNames, " | "), strings.Repeat("---|", len(roiNames)))
	for _, s := range in.Eval.Subjects {
		for _, m := range models {
			ex := s.Extras[m]
			if ex == nil || ex.Ridge == nil {
				continue
			}
			var cells []string
			for _, roi := range roiNames {
				cells = append(cells, fmt.Sprintf("%s (OLS %s)", cell(val(ex.Ridge[roi].Pairwise)), cell(val(s.Models[m][roi].Pairwise))))
			}
			fmt.Fprintf(b, "| %s | %s | %g | %s |\n", s.Subject, modelLabel[m], ex.RidgeLambda, strings.Join(cells, " | "))
		}
	}
}

// ssimTable is the SSIM of the decoded faces against the stimuli as shown,
// per subject, model and variant.
func (in *ReportInput) ssimTable(b *strings.Builder, models []string) {
	fmt.Fprintf(b, "\n## SSIM of the decoded face against the stimulus as shown\n\n")
	b.WriteString("The stimulus as shown is the generator's rendering of the true latent (the paper showed every face as its VAE-GAN reconstruction). Mean over the 20 test faces, all voxels; paper: VAE-GAN 50.5 %, PCA 45.8 % (against the originals, 128 px).\n\n")
	fmt.Fprintf(b, "| subject | %s |\n|---|%s\n", strings.Join(ssimCols(models), " | "), strings.Repeat("---|", 2*len(models)))
	for _, s := range in.Eval.Subjects {
		var cells []string
		for _, m := range models {
			for _, v := range []string{VariantOLS, VariantRidge} {
				var x *float64
				if ex := s.Extras[m]; ex != nil {
					x = ex.SSIM[v]
				}
				cells = append(cells, cell(val(x)))
			}
		}
		fmt.Fprintf(b, "| %s | %s |\n", s.Subject, strings.Join(cells, " | "))
	}
}

// faceGrids writes, per subject, the test faces as shown above their OLS
// decodings (all voxels) with each model; never a CelebA original.
func (in *ReportInput) faceGrids(b *strings.Builder, models []string) error {
	if len(in.Results) == 0 {
		return nil
	}
	fmt.Fprintf(b, "\n## The 20 test faces\n\nRows: as shown (generator of the true latent) | decoded with the VAE-GAN | decoded with PCA (all voxels, the paper's decoder). No CelebA original is shown.\n\n")
	for _, r := range in.Results {
		file := "faces_" + r.Subject + ".png"
		tiles := append([][]float32(nil), r.Shown...)
		labels := []string{"shown"}
		for _, m := range models {
			for _, mr := range r.Models {
				if mr.Name == m {
					if im, ok := mr.Images[VariantOLS]; ok {
						tiles = append(tiles, im...)
						labels = append(labels, modelLabel[m])
					}
				}
			}
		}
		if len(r.Shown) == 0 || r.ImageSize == 0 {
			continue
		}
		img := imgrid.Grid(tiles, 3, r.ImageSize, r.ImageSize, len(r.Shown), imgrid.Options{Title: r.Subject + ": as shown / VAE-GAN / PCA", RowLabels: labels})
		if err := imgrid.WritePNG(filepath.Join(in.Out, file), img); err != nil {
			return err
		}
		fmt.Fprintf(b, "![%s](%s)\n\n", r.Subject, file)
	}
	return nil
}

func fill(n int, v float64) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = v
	}
	return out
}

func ssimCols(models []string) []string {
	var out []string
	for _, m := range models {
		out = append(out, modelLabel[m]+" OLS", modelLabel[m]+" ridge")
	}
	return out
}

// subjectTable is a Markdown table: subjects (and the mean) × models, ours
// beside the paper's, with the pairwise p-value where it applies.
func (in *ReportInput) subjectTable(measure string, models []string, roi string) string {
	var b strings.Builder
	n := len(in.Eval.Subjects)
	b.WriteString("| subject |")
	for _, m := range models {
		fmt.Fprintf(&b, " %s ours | %s paper |", modelLabel[m], modelLabel[m])
	}
	b.WriteString("\n|---|" + strings.Repeat("---|---|", len(models)) + "\n")
	cols := make([][2][]float64, len(models))
	for i, m := range models {
		cols[i] = [2][]float64{in.ours(measure, m, roi, false), in.paper(measure, m, roi)}
	}
	for g, name := range in.groups() {
		fmt.Fprintf(&b, "| %s |", name)
		for i, m := range models {
			extra := ""
			if g < n && measure == "pairwise" {
				if p := in.Eval.Subjects[g].Models[m][roi].PairwiseP; p != nil {
					extra = fmt.Sprintf(" (p %s)", pfmt(*p))
				}
			}
			if g < n && measure == "one_of_20" {
				if p := in.Eval.Subjects[g].Models[m][roi].OneOf20P; p != nil {
					extra = fmt.Sprintf(" (p %s)", pfmt(*p))
				}
			}
			fmt.Fprintf(&b, " %s%s | %s |", cell(cols[i][0][g]), extra, cell(cols[i][1][g]))
		}
		b.WriteString("\n")
	}
	b.WriteString("\n")
	return b.String()
}

func pfmt(p float64) string {
	if p == 0 {
		return "< 1e-6"
	}
	return fmt.Sprintf("%.2g", p)
}

func (in *ReportInput) ceilingTable() string {
	var b strings.Builder
	_, pc, _ := paper.Lookup("gender", "all", "ceiling")
	b.WriteString("Gender ceiling (the same rule on the true latents of the test faces): ")
	var parts []string
	for _, s := range in.Eval.Subjects {
		for _, m := range in.models() {
			if ex := s.Extras[m]; ex != nil {
				parts = append(parts, fmt.Sprintf("%s %s %s %%", s.Subject, modelLabel[m], cell(val(ex.GenderCeiling))))
			}
		}
	}
	fmt.Fprintf(&b, "%s; paper 85 %% (80–90) on average (%s).\n\n", strings.Join(parts, ", "), cell(pc))
	return b.String()
}

// curve draws and tabulates the training-size curve.
func (in *ReportInput) curve(b *strings.Builder) error {
	var series []plots.Series
	var rows []string
	for _, s := range in.Eval.Subjects {
		for _, m := range in.models() {
			ex := s.Extras[m]
			if ex == nil || len(ex.Curve) == 0 {
				continue
			}
			sr := plots.Series{Name: s.Subject + " " + modelLabel[m]}
			var cells []string
			for _, c := range ex.Curve {
				cells = append(cells, fmt.Sprintf("%d: %s", c.NFaces, cell(val(c.Pairwise))))
				if c.Pairwise != nil {
					sr.X = append(sr.X, float64(c.NFaces))
					sr.Y = append(sr.Y, 100**c.Pairwise)
				}
			}
			rows = append(rows, fmt.Sprintf("| %s | %s | %s |", s.Subject, modelLabel[m], strings.Join(cells, ", ")))
			if len(sr.X) > 0 {
				series = append(series, sr)
			}
		}
	}
	if len(series) == 0 {
		return nil
	}
	const t = "Pairwise identification against the number of training faces (all voxels)"
	if err := plots.Lines(filepath.Join(in.Out, "curve.png"), t, "training faces", "pairwise accuracy, %", series); err != nil {
		return err
	}
	fmt.Fprintf(b, "\n## %s\n\n![curve](curve.png)\n\nThe faces left out stay in the design as one unmodulated regressor. Paper: above chance from about 1,000 faces, rising up to 8,000.\n\n| subject | model | training faces: pairwise %% |\n|---|---|---|\n%s\n", t, strings.Join(rows, "\n"))
	return nil
}
