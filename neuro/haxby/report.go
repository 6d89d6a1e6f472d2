package haxby

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"fmriface/util/atomicfile"
	"fmriface/util/plots"
)

// Citation and license of the data, repeated wherever derived results go.
const (
	Citation = "J. V. Haxby, M. I. Gobbini, M. L. Furey, A. Ishai, J. L. Schouten, P. Pietrini (2001). Distributed and overlapping representations of faces and objects in ventral temporal cortex. Science 293(5539):2425-2430."
	License  = "CC BY-SA 3.0 (the original authors hold the copyright); figures and numbers derived from the data carry the same attribution and license."
)

// Lit is one value from the literature beside ours.
type Lit struct {
	Measure string `json:"measure"`
	Value   string `json:"value"`
	Source  string `json:"source"`
	Ours    string `json:"ours"`
	Note    string `json:"note"`
}

// Report is results.json.
type Report struct {
	Title       string `json:"title"`
	Data        string `json:"data"`
	Citation    string `json:"citation"`
	License     string `json:"license"`
	CodeVersion string `json:"code_version"`
	Command     string `json:"command"`
	Config      struct {
		Permutations      int       `json:"permutations"`
		Seed              uint64    `json:"seed"`
		GLM               GLMConfig `json:"glm"`
		DCTColumns        int       `json:"dct_columns_per_run"`
		Patterns          string    `json:"patterns"`
		CrossValidation   string    `json:"cross_validation"`
		PermutationScheme string    `json:"permutation_scheme"`
		MapContrast       string    `json:"map_contrast"`
	} `json:"config"`
	Dataset struct {
		Subject       string        `json:"subject"`
		Runs          int           `json:"runs"`
		VolumesPerRun int           `json:"volumes_per_run"`
		TR            float64       `json:"tr_s"`
		Grid          [2]int        `json:"grid_xy"`
		VoxelSize     [3]float64    `json:"voxel_size_mm"`
		Affine        [4][4]float64 `json:"affine"`
		MaskVoxels    int           `json:"mask_voxels"`
		Categories    []string      `json:"categories"`
		Layout        string        `json:"layout"`
	} `json:"dataset"`
	Methods    []Method `json:"methods"`
	Map        FaceMap  `json:"map"`
	Literature []Lit    `json:"literature"`
}

func round(x float64, digits int) float64 {
	p := math.Pow(10, float64(digits))
	return math.Round(x*p) / p
}

// BuildReport assembles results.json from an analysis.
func BuildReport(a *Analysis, dataArg, version, command string) *Report {
	d := a.Data
	r := &Report{
		Title:       "Category decoding on real fMRI: Haxby et al. (2001), subject 1, one axial slice",
		Data:        dataArg,
		Citation:    Citation,
		License:     License,
		CodeVersion: version,
		Command:     command,
	}
	r.Config.Permutations = a.Options.Permutations
	r.Config.Seed = a.Options.Seed
	r.Config.GLM = DefaultGLM
	r.Config.DCTColumns = a.Fits.DCTColumns
	r.Config.Patterns = "per run, the 8 category betas of the run's GLM over the mask voxels, minus the run's mean over the 8 categories"
	r.Config.CrossValidation = "leave one run out (12 folds); the split-half method uses Haxby's odd/even halves (2 folds)"
	r.Config.PermutationScheme = "category labels shuffled within runs (within halves for split half), the whole cross-validation repeated per permutation; p = (1 + #{null >= observed}) / (1 + permutations); the same permutations for every method"
	r.Config.MapContrast = "face - mean of the 7 other categories, all-runs GLM (task columns shared, nuisance per run), OLS t"
	ds := &r.Dataset
	ds.Subject = d.Subject
	ds.Runs = len(d.Runs)
	ds.VolumesPerRun = len(d.Runs[0].Vols)
	ds.TR = d.TR
	ds.Grid = [2]int{d.NX, d.NY}
	ds.VoxelSize = d.VoxelSize
	ds.Affine = d.Affine
	ds.MaskVoxels = len(d.Mask)
	ds.Categories = Categories
	ds.Layout = "voxel index v = x + grid_x*y (x fastest, as in the NIfTI file); world mm = affine * (x, y, 0, 1)"
	for _, m := range a.Methods {
		c := m
		c.Scores = make([][][]float64, len(m.Scores))
		for i := range m.Scores {
			c.Scores[i] = make([][]float64, len(m.Scores[i]))
			for j, row := range m.Scores[i] {
				c.Scores[i][j] = make([]float64, len(row))
				for k, v := range row {
					c.Scores[i][j][k] = round(v, 4)
				}
			}
		}
		c.NullMean, c.Null95 = round(c.NullMean, 4), round(c.Null95, 4)
		r.Methods = append(r.Methods, c)
	}
	fm := a.Map
	fm.Mean = make([]float64, len(a.Map.Mean))
	for i, v := range a.Map.Mean {
		fm.Mean[i] = round(v, 1)
	}
	fm.T = make([]float64, len(a.Map.T))
	for i, v := range a.Map.T {
		fm.T[i] = round(v, 3)
	}
	fm.Threshold = round(fm.Threshold, 4)
	fm.MaxT = round(fm.MaxT, 3)
	r.Map = fm
	r.Literature = literature(r)
	return r
}

func pct(x float64) string { return fmt.Sprintf("%.1f %%", 100*x) }

func (r *Report) method(name string) *Method {
	for i := range r.Methods {
		if r.Methods[i].Name == name {
			return &r.Methods[i]
		}
	}
	return nil
}

func literature(r *Report) []Lit {
	sh, cor, lda := r.method("correlation, split half"), r.method("correlation"), r.method("shrinkage LDA")
	return []Lit{
		{
			Measure: "pairwise identification, correlation method, odd vs even runs",
			Value:   "96 %",
			Source:  "Haxby et al. 2001, Science 293:2425, text and Fig. 3A (mean over 6 subjects, ventral temporal object-selective cortex)",
			Ours:    fmt.Sprintf("%s split half; %s leave-one-run-out", pct(sh.Pairwise), pct(cor.Pairwise)),
			Note:    "ours: 1 subject, 530 voxels of the posterior half of one axial slice, no voxel selection",
		},
		{
			Measure: "faces vs houses (pairwise)",
			Value:   "100 %",
			Source:  "Haxby et al. 2001 (faces and houses were identified in all of their pairwise comparisons; re-check against Fig. 3A before quoting)",
			Ours:    fmt.Sprintf("%s split half; %s correlation LORO; %s LDA LORO", pct(sh.FaceVsHouse), pct(cor.FaceVsHouse), pct(lda.FaceVsHouse)),
		},
		{
			Measure: "8-way identification of a held-out run",
			Value:   "not reported (chance 12.5 %)",
			Source:  "Haxby et al. 2001 report pairwise identification only",
			Ours:    fmt.Sprintf("%s correlation, %s LDA", pct(cor.Accuracy), pct(lda.Accuracy)),
		},
		{
			Measure: "face-selective cortex",
			Value:   "lateral fusiform gyrus (FFA); houses medial (parahippocampal/collateral sulcus)",
			Source:  "Kanwisher, McDermott & Chun 1997, J. Neurosci. 17:4302; Ishai et al. 1999, PNAS 96:9379; Haxby et al. 2001 Fig. 2",
			Ours:    fmt.Sprintf("%d of %d voxels with face > others t > %.2f (p < %g uncorrected), peak t = %.1f", len(r.Map.FaceSelective), len(r.Map.Mask), r.Map.Threshold, r.Map.Alpha, r.Map.MaxT),
			Note:    "without an anatomical image we cannot say which gyrus the slice cuts",
		},
	}
}

// WriteReport writes results.json, the figures and README.md into out.
func WriteReport(a *Analysis, out, dataArg, version, command string) (*Report, error) {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return nil, fmt.Errorf("haxby: %w", err)
	}
	r := BuildReport(a, dataArg, version, command)
	b, err := json.MarshalIndent(r, "", " ")
	if err != nil {
		return nil, fmt.Errorf("haxby: results.json: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(out, "results.json"), append(b, '\n'), 0o644); err != nil {
		return nil, fmt.Errorf("haxby: %w", err)
	}
	if err := writeConfusion(filepath.Join(out, "confusion.png"), a.Methods); err != nil {
		return nil, err
	}
	if a.Options.Permutations > 0 {
		if err := writeNull(filepath.Join(out, "null.png"), a.Methods); err != nil {
			return nil, err
		}
	}
	if err := writeFaceMap(filepath.Join(out, "face_map.png"), a.Data, a.Map); err != nil {
		return nil, err
	}
	// Per category: mean pairwise accuracy against the 7 others.
	var names []string
	var vals [][]float64
	for _, m := range a.Methods {
		names = append(names, m.Name)
		row := make([]float64, len(Categories))
		for i := range Categories {
			s := 0.0
			for j := range Categories {
				if i != j {
					s += *m.PairwiseMatrix[i][j]
				}
			}
			row[i] = 100 * s / float64(len(Categories)-1)
		}
		vals = append(vals, row)
	}
	if err := plots.Bars(filepath.Join(out, "pairwise.png"), "Pairwise identification of each category against the 7 others",
		"% correct (chance 50)", shortAll(), names, vals, []float64{50}); err != nil {
		return nil, fmt.Errorf("haxby: %w", err)
	}
	if err := atomicfile.WriteFile(filepath.Join(out, "README.md"), []byte(readme(r)), 0o644); err != nil {
		return nil, fmt.Errorf("haxby: %w", err)
	}
	return r, nil
}

func shortAll() []string {
	s := make([]string, len(Categories))
	for i, c := range Categories {
		s[i] = short(c)
	}
	return s
}

func pfmt(p float64, n int) string {
	if n == 0 {
		return "n/a"
	}
	if p <= 1/float64(n+1)+1e-12 {
		return fmt.Sprintf("< %.4g", 1/float64(n)+1e-9)
	}
	return fmt.Sprintf("%.3g", p)
}

// printf appends to the README being written.
type printf func(format string, a ...any)

// readme writes README.md: what the data are, the analysis, the results with
// their figures and the literature beside them, and what the app can use.
func readme(r *Report) string {
	var b strings.Builder
	w := func(format string, a ...any) { fmt.Fprintf(&b, format, a...) }
	readmeIntro(w, r)
	readmeAnalysis(w, r)
	readmeResults(w, r)
	readmeFaceMap(w, r)
	readmeLiterature(w, r)
	readmeForApp(w, r)
	return b.String()
}

// readmeIntro says what the data are, where they come from and how to
// reproduce the report.
func readmeIntro(w printf, r *Report) {
	n := r.Config.Permutations
	w("# %s\n\n", r.Title)
	w("**Real data.** Unlike `reports/fmri` (virtual subjects), every number here comes from real BOLD data: subject 1 of\n")
	w("Haxby et al. (2001), as excerpted by PyMVPA — the posterior half of one axial slice (%d × %d voxels of %.1f × %.2f mm, %d with\n",
		r.Dataset.Grid[0], r.Dataset.Grid[1], r.Dataset.VoxelSize[0], r.Dataset.VoxelSize[1], r.Dataset.MaskVoxels)
	w("signal), %d runs × %d volumes (TR %.1f s), 8 categories in 22.5 s blocks, one block per category per run, passive viewing.\n",
		r.Dataset.Runs, r.Dataset.VolumesPerRun, r.Dataset.TR)
	w("Data: %s %s The data stay in `%s`; they are not in the repository.\n\n", r.Citation, r.License, r.Data)
	w("Reproduce (`make reproduce-haxby`, part of `make reproduce`; about 20 s on 2 cores):\n\n```\n%s\n```\n\n", r.Command)
	w("Code version `%s`, %d permutations, seed %d; every number below is in [`results.json`](results.json).\n\n", r.CodeVersion, n, r.Config.Seed)
}

// readmeAnalysis describes the reading, the GLM, the decoders and the
// permutation test.
func readmeAnalysis(w printf, r *Report) {
	n := r.Config.Permutations
	w("## Analysis\n\n")
	w("- **Reading**: `neuro/nifti` (gzip NIfTI-1, int16), `neuro/bids` (`bold_events.tsv`), `neuro/tsv.ReadMatrix` (the\n")
	w("  whitespace-separated `bold_moest.txt`, 6 motion estimates per volume). Mask: the %d voxels non-zero in every volume.\n", r.Dataset.MaskVoxels)
	w("- **GLM** (`neuro/glm`), one per run: each voxel in percent of its run mean; 8 block regressors (boxcars convolved with\n")
	w("  SPM's canonical HRF, sampled mid-TR), run constant, %d DCT high-pass cosines (%.0f s), 6 motion estimates; OLS.\n", r.Config.DCTColumns, r.Config.GLM.HighPass)
	w("  The 8 betas of a run are its category patterns (96 in all); each run's mean pattern over the 8 categories is subtracted\n")
	w("  (Haxby's mean subtraction, which uses no labels and so is applied to held-out runs too).\n")
	w("- **Decoding** (`neuro/mvpa`), leaving one run out (12 folds):\n")
	w("  - *correlation* (Haxby 2001): a category's pattern is its mean over the 11 training runs minus the mean over\n")
	w("    categories; each held-out pattern goes to the category it correlates with best.\n")
	w("  - *shrinkage LDA*: linear discriminant with the pooled within-class covariance shrunk to a scaled identity by the\n")
	w("    analytic Ledoit–Wolf intensity. Chosen because with 88 training patterns and 530 voxels the covariance is singular;\n")
	w("    the analytic shrinkage needs no tuning loop (no nested cross-validation on 11 runs), and unlike the correlation\n")
	w("    method it down-weights noisy and correlated voxels. Computed exactly in the 96-dimensional span of the patterns.\n")
	w("  - *correlation, split half*: Haxby's own scheme, for the comparison with the paper: patterns averaged over the 6\n")
	w("    odd and over the 6 even runs, each half identified from the other.\n")
	w("- **Measures**: 8-way accuracy (each held-out pattern against all 8 categories, chance 12.5 %%); pairwise\n")
	w("  identification as in Haxby 2001 (a held-out pattern of category *i* is correct against *j* when it scores higher\n")
	w("  for *i* than for *j*; chance 50 %%); faces vs houses is that pair. **Permutation test**: the category labels are\n")
	w("  shuffled within each run and the whole cross-validation is redone; since each block has its own regressor,\n")
	w("  permuting a run's betas is exactly relabelling its blocks before the GLM. p = (1 + #null ≥ observed)/(1 + %d).\n\n", n)
}

// readmeResults writes the table of every method's measures, the decoding
// figures and the table of every pair.
func readmeResults(w printf, r *Report) {
	n := r.Config.Permutations
	cor, lda, sh := r.method("correlation"), r.method("shrinkage LDA"), r.method("correlation, split half")
	w("## Results\n\n")
	w("| measure | correlation (leave one run out) | shrinkage LDA (leave one run out) | correlation, split half (Haxby's scheme) | literature |\n")
	w("|---|---|---|---|---|\n")
	w("| 8-way accuracy (chance 12.5 %%) | %s (%d/%d), p %s | %s (%d/%d), p %s | %s (%d/%d), p %s | not reported |\n",
		pct(cor.Accuracy), cor.Correct, cor.Total, pfmt(cor.PValue, n), pct(lda.Accuracy), lda.Correct, lda.Total, pfmt(lda.PValue, n),
		pct(sh.Accuracy), sh.Correct, sh.Total, pfmt(sh.PValue, n))
	w("| permutation null: mean, 95th percentile | %s, %s | %s, %s | %s, %s | |\n", pct(cor.NullMean), pct(cor.Null95), pct(lda.NullMean), pct(lda.Null95), pct(sh.NullMean), pct(sh.Null95))
	w("| pairwise, all 28 pairs (chance 50 %%) | %s, p %s | %s, p %s | %s, p %s | 96 %% (Haxby 2001, 6 subjects, split half) |\n",
		pct(cor.Pairwise), pfmt(cor.PairwisePValue, n), pct(lda.Pairwise), pfmt(lda.PairwisePValue, n), pct(sh.Pairwise), pfmt(sh.PairwisePValue, n))
	w("| faces vs houses | %s | %s | %s | 100 %% (Haxby 2001; see the literature table) |\n\n", pct(cor.FaceVsHouse), pct(lda.FaceVsHouse), pct(sh.FaceVsHouse))
	w("![confusion matrices](confusion.png)\n\n")
	w("Confusion matrices: rows are the true category, columns the decoded one; cells give counts of held-out patterns (12 per\n")
	w("row for leave-one-run-out, 2 for split half) and are shaded by the row percentage.\n\n")
	if n > 0 {
		w("![permutation nulls](null.png)\n\n")
	}
	w("### Pairwise accuracy of every pair\n\n![pairwise](pairwise.png)\n\n")
	w("| pair | correlation | shrinkage LDA | correlation, split half |\n|---|---|---|---|\n")
	for i, p := range cor.Pairs {
		w("| %s – %s | %.0f | %.0f | %.0f |\n", p.A, p.B, 100*p.Accuracy, 100*lda.Pairs[i].Accuracy, 100*sh.Pairs[i].Accuracy)
	}
	w("\nIn %% (each pair: mean of both directions over 12 held-out runs, or the 2 halves for split half).\n\n")
}

// readmeFaceMap describes the face map and its peak, in world coordinates
// from the affine.
func readmeFaceMap(w printf, r *Report) {
	fm := r.Map
	a := r.Dataset.Affine
	px, py := fm.MaxAt[0], fm.MaxAt[1]
	w("## Face map\n\n![face map](face_map.png)\n\n")
	w("t values of face − mean of the other 7 categories from one GLM over all runs (%d dof, OLS t, somewhat liberal under\n", fm.DOF)
	w("serial correlation), over the mean EPI image, shown where |t| > %.2f (p < %g one-sided, uncorrected). %d of %d voxels\n", fm.Threshold, fm.Alpha, len(fm.FaceSelective), len(fm.Mask))
	w("pass face > others; the peak, t = %.1f, is at voxel (%d, %d), world (%.1f, %.1f) mm in the file's frame.\n\n",
		fm.MaxT, px, py, a[0][0]*float64(px)+a[0][3], a[1][1]*float64(py)+a[1][3])
}

// readmeLiterature sets our numbers beside the literature and says how our
// data differ from Haxby's.
func readmeLiterature(w printf, r *Report) {
	w("## Beside the literature\n\n| measure | literature | source | ours |\n|---|---|---|---|\n")
	for _, l := range r.Literature {
		ours := l.Ours
		if l.Note != "" {
			ours += " (" + l.Note + ")"
		}
		w("| %s | %s | %s | %s |\n", l.Measure, l.Value, l.Source, ours)
	}
	w("\n**How our data differ.** Haxby et al. acquired 40 sagittal slices in each of 6 subjects and analysed the\n")
	w("object-selective voxels of ventral temporal cortex; their patterns are averages over 6 runs (split half). Here: one\n")
	w("subject, the posterior half of a single axial slice whose anatomy we cannot see, every non-zero voxel (no selection),\n")
	w("no motion correction (the 6 motion estimates are regressed out instead) and no slice-timing correction. The split-half\n")
	w("column is the like-for-like comparison with the paper's 96 %%; with 2 held-out halves each of its numbers rests on 16\n")
	w("patterns (each pair on 4 comparisons), so it is coarse. Leave-one-run-out patterns are single-run betas, noisier\n")
	w("than 6-run averages, which hurts the correlation method most (it weighs all voxels equally); the shrinkage LDA, which\n")
	w("weighs voxels by their noise, recovers much of it.\n\n")
	cor, lda, sh := r.method("correlation"), r.method("shrinkage LDA"), r.method("correlation, split half")
	readmeSmallObjects(w, []*Method{cor, lda, sh})
	readmeBestCategories(w, []*Method{cor, lda})
	w("\n\n")
}

// readmeSmallObjects compares, per method, the pairs among the four small
// man-made objects with all other pairs: the hardest to tell apart.
func readmeSmallObjects(w printf, methods []*Method) {
	small := []string{"shoe", "scissors", "chair", "bottle"}
	w("Pairs among the four small man-made objects (%s) against all other pairs, mean %% correct:", strings.Join(small, ", "))
	for i, m := range methods {
		var in, out []float64
		for _, p := range m.Pairs {
			if slices.Contains(small, p.A) && slices.Contains(small, p.B) {
				in = append(in, p.Accuracy)
			} else {
				out = append(out, p.Accuracy)
			}
		}
		sep := ";"
		if i == len(methods)-1 {
			sep = "."
		}
		w(" %s %.0f vs %.0f%s", m.Name, 100*mean(in), 100*mean(out), sep)
	}
}

// readmeBestCategories names each leave-one-run-out method's best and worst
// identified categories, and says so when faces are not the best.
func readmeBestCategories(w printf, methods []*Method) {
	w(" In the leave-one-run-out confusion matrices the best-identified categories are")
	faceBest := false
	for i, m := range methods {
		best, worst := 0, 0
		for c := range Categories {
			if m.Confusion[c][c] > m.Confusion[best][best] {
				best = c
			}
			if m.Confusion[c][c] < m.Confusion[worst][worst] {
				worst = c
			}
		}
		sep := ","
		if i == len(methods)-1 {
			sep = "."
		}
		faceBest = faceBest || Categories[best] == "face"
		w(" %s (%d/12, worst %s %d/12) for %s%s", Categories[best], m.Confusion[best][best], Categories[worst], m.Confusion[worst][worst], m.Name, sep)
	}
	if !faceBest {
		w(" Faces are not the best-identified category in this slice, and the face map has few face-selective voxels:\n")
		w("consistent with a slice that misses most of the fusiform face area, which we cannot check without anatomy.")
	}
}

// readmeForApp says what in results.json a "Real brain" panel can use.
func readmeForApp(w printf, r *Report) {
	w("## For the app\n\n")
	w("The site's \"Real brain\" panel (panel 8, `?panel=real`) shows these results. The exporter builds its data file from this\n")
	w("`results.json` (its `--real` flag, by default `reports/haxby/results.json`; `--real-only` adds the file to site data that\n")
	w("exist already): a `realbrain` bundle of about 12 kB (docs/site-data.md), which the page downloads when the panel is first\n")
	w("opened. It holds `map.mean_image`, `map.mask` with `map.t_face`, `map.threshold`, `map.alpha` and `map.dof` (the panel\n")
	w("colours the voxels above the threshold, which the exporter checks are `map.face_selective`), the `dataset.affine` (the\n")
	w("panel shows the subject's left on the left and anterior at the top) and, for the two leave-one-run-out methods,\n")
	w("`predicted[run][true category]`, `confusion`, `accuracy`, `p_value`, `pairwise` and `pairwise_p_value`, with\n")
	w("`dataset.categories`, the `folds` (run names), the `literature` rows and `citation`/`license` (CC BY-SA 3.0), shown with\n")
	w("every number. The split-half method (quoted through the literature rows) and the `scores` stay here. `face_map.png` and\n")
	w("`confusion.png` are static versions of the same views.\n")
}
