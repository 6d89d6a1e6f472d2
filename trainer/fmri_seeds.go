package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"gonum.org/v1/gonum/stat"
	"gonum.org/v1/gonum/stat/distuv"

	"fmriface/neuro/analysis"
	"fmriface/neuro/paper"
	"fmriface/util/atomicfile"
	"fmriface/util/plots"
	"fmriface/util/version"
)

// The brain v2's bars (issue 20), in points of pairwise accuracy: the
// group means' distance to the paper's (all voxels per model, then each
// region), each subject's VAE-GAN all-voxel accuracy, and a third seed's
// group means against the reporting seed's.
var (
	seedsGroupBar = map[string]map[string]float64{
		"vaegan": {"all": 2, "occipital": 4, "temporal": 4, "frontoparietal": 4},
		"pca":    {"all": 3, "occipital": 4, "temporal": 4, "frontoparietal": 4},
	}
	seedsSubjectBar = 3.0
	seedsSeedBar    = 3.0
	seedsModels     = []string{"vaegan", "pca"}
	seedsROIs       = []string{"all", "occipital", "temporal", "frontoparietal"}
	seedsModelName  = map[string]string{"vaegan": "VAE-GAN", "pca": "PCA"}
)

// seedsReporting is the simulation seed of reports/fmri.
const seedsReporting = 1

// seedStat is one quantity over the seeds, in percent.
type seedStat struct {
	Seeds  []float64 `json:"per_seed"`
	Mean   float64   `json:"mean"`
	SD     float64   `json:"sd"`      // over seeds (n − 1)
	SE     float64   `json:"se_mean"` // SD / √n
	Paper  float64   `json:"paper"`
	Bar    float64   `json:"bar,omitempty"`     // ± points
	MeanIn bool      `json:"mean_within_bar"`   // |Mean − Paper| ≤ Bar
	SeedIn int       `json:"seeds_within_bar"`  // seeds whose value is within the bar
	Report float64   `json:"reporting_seed"`    // the reporting seed's value
	RepIn  bool      `json:"reporting_in_bar"`  // the reporting seed within the bar
	PSeed  float64   `json:"p_seed_within_bar"` // P(another seed within seedsSeedBar of the reporting one), from SD
	// HeldOut summarises the seeds the calibration did not see (all but
	// seedsReport.Calibration): the emergent values.
	HeldOut *heldOutStat `json:"held_out,omitempty"`
}

// heldOutStat is a quantity's mean over the seeds outside the calibration.
type heldOutStat struct {
	Seeds  []int   `json:"seeds"`
	Mean   float64 `json:"mean"`
	SD     float64 `json:"sd"`
	MeanIn bool    `json:"mean_within_bar"`
}

// seedsReport is reports/fmri/seeds/seeds.json.
type seedsReport struct {
	Note        string                         `json:"note"`
	Seeds       []int                          `json:"seeds"`
	Calibration []int                          `json:"calibration_seeds"` // the seeds scripts/calibrate_v2.py fitted
	Reporting   int                            `json:"reporting_seed"`
	Group       map[string]map[string]seedStat `json:"group_means"` // model → roi
	Gap         map[string]seedStat            `json:"gap_vaegan_minus_pca"`
	Subjects    map[string]seedStat            `json:"vaegan_all_by_subject"`
	SeedPairs   seedPairs                      `json:"third_seed"`
	CodeVersion string                         `json:"code_version"`
	Written     string                         `json:"written"`
}

// seedPairs is the last bar: each other seed against the reporting seed.
type seedPairs struct {
	Bar float64 `json:"bar"`
	// Within[i] is how many of the 8 group means of Seeds[i] (not the
	// reporting seed) lie within Bar of the reporting seed's.
	Seeds  []int `json:"seeds"`
	Within []int `json:"group_means_within"`
	// AllWithin counts the seeds with all 8 within; PAll is that chance
	// from the SDs (the quantities taken as independent).
	AllWithin int     `json:"seeds_all_within"`
	PAll      float64 `json:"p_all_within"`
}

// fmriSeedsReport gathers scripts/seeds.sh's evaluations (one simulation
// seed each, the same calibrated brain) into how the group means spread
// over seeds and where their mean lies against the paper's bars.
func fmriSeedsReport(_ context.Context, args []string) error {
	fs := flag.NewFlagSet("fmri seeds-report", flag.ExitOnError)
	dir := fs.String("dir", "out/seeds", "scripts/seeds.sh's folder (seed-N/fmri/eval.json)")
	out := fs.String("out", "reports/fmri/seeds", "report folder (seeds.json, seeds.png, README.md)")
	outro := fs.String("outro", "", "Markdown file placed at the end (default: <out>/discussion.md if present)")
	calib := fs.String("calibration", "2,4,5,6", "the seeds the calibration fitted (scripts/calibrate_v2.py --seeds): the others are held out")
	fs.Parse(args)
	calSeeds, err := parseInts(*calib)
	if err != nil {
		return fmt.Errorf("--calibration: %w", err)
	}
	if *outro == "" {
		*outro = filepath.Join(*out, "discussion.md")
		if _, err := os.Stat(*outro); err != nil {
			*outro = ""
		}
	}
	evs, seeds, err := readSeedEvals(*dir)
	if err != nil {
		return err
	}
	rep, err := summariseSeeds(evs, seeds, calSeeds)
	if err != nil {
		return err
	}
	rep.CodeVersion, rep.Written = version.String(), time.Now().UTC().Format(time.RFC3339)
	if err := os.MkdirAll(*out, 0o755); err != nil {
		return err
	}
	b, err := json.MarshalIndent(rep, "", " ")
	if err != nil {
		return err
	}
	if err := atomicfile.WriteFile(filepath.Join(*out, "seeds.json"), append(b, '\n'), 0o644); err != nil {
		return err
	}
	if err := seedsFigure(filepath.Join(*out, "seeds.png"), rep); err != nil {
		return err
	}
	page := seedsMarkdown(rep)
	if *outro != "" {
		text, err := os.ReadFile(*outro)
		if err != nil {
			return err
		}
		page += "\n" + string(text)
	}
	if err := atomicfile.WriteFile(filepath.Join(*out, "README.md"), []byte(page), 0o644); err != nil {
		return err
	}
	fmt.Printf("fmri seeds-report: %d seeds → %s\n", len(seeds), *out)
	return nil
}

var seedDir = regexp.MustCompile(`^seed-(\d+)$`)

// readSeedEvals reads dir/seed-N/fmri/eval.json for every N, in seed order.
func readSeedEvals(dir string) ([]*analysis.Evaluation, []int, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		return nil, nil, fmt.Errorf("seeds-report: %w", err)
	}
	var seeds []int
	for _, e := range ents {
		if m := seedDir.FindStringSubmatch(e.Name()); m != nil && e.IsDir() {
			path := filepath.Join(dir, e.Name(), "fmri", "eval.json")
			if _, err := os.Stat(path); err != nil {
				fmt.Fprintf(os.Stderr, "seeds-report: %s: no evaluation yet, left out\n", e.Name())
				continue
			}
			s, _ := strconv.Atoi(m[1])
			seeds = append(seeds, s)
		}
	}
	slices.Sort(seeds)
	if len(seeds) < 3 {
		return nil, nil, fmt.Errorf("seeds-report: %s: %d evaluated seeds, want at least 3 for a spread", dir, len(seeds))
	}
	evs := make([]*analysis.Evaluation, len(seeds))
	for i, s := range seeds {
		path := filepath.Join(dir, fmt.Sprintf("seed-%d", s), "fmri", "eval.json")
		b, err := os.ReadFile(path)
		if err != nil {
			return nil, nil, err
		}
		var ev analysis.Evaluation
		if err := json.Unmarshal(b, &ev); err != nil {
			return nil, nil, fmt.Errorf("read %s: %w", path, err)
		}
		for _, sub := range ev.Subjects {
			if sub.SimSeed != 0 && sub.SimSeed != int64(s) {
				return nil, nil, fmt.Errorf("%s: %s was simulated with seed %d, its folder says %d", path, sub.Subject, sub.SimSeed, s)
			}
		}
		evs[i] = &ev
	}
	return evs, seeds, nil
}

// pairwiseOf is subject i's pairwise accuracy (%) for model and roi.
func pairwiseOf(ev *analysis.Evaluation, subject, model, roi string) (float64, error) {
	for _, s := range ev.Subjects {
		if s.Subject != subject {
			continue
		}
		m, ok := s.Models[model][roi]
		if !ok || m.Pairwise == nil {
			return 0, fmt.Errorf("%s: no pairwise accuracy for %s %s", subject, model, roi)
		}
		return 100 * *m.Pairwise, nil
	}
	return 0, fmt.Errorf("no subject %s", subject)
}

var seedsSubjects = []string{"sub-01", "sub-02", "sub-03", "sub-04"}

func summariseSeeds(evs []*analysis.Evaluation, seeds, calib []int) (*seedsReport, error) {
	rep := &seedsReport{Note: "the brain v2 (virtual subjects, simulated: not real brain data) at its calibrated defaults, one simulation per seed; pairwise accuracy in %",
		Seeds: seeds, Calibration: calib, Reporting: seedsReporting, Group: map[string]map[string]seedStat{},
		Gap: map[string]seedStat{}, Subjects: map[string]seedStat{}}
	ri := slices.Index(seeds, seedsReporting)
	if ri < 0 {
		return nil, fmt.Errorf("seeds-report: the reporting seed %d is not among %v", seedsReporting, seeds)
	}
	if slices.Contains(calib, seedsReporting) {
		return nil, fmt.Errorf("seeds-report: the reporting seed %d cannot be a calibration seed (%v)", seedsReporting, calib)
	}
	// heldOut summarises a quantity's values on the seeds the calibration
	// did not fit.
	heldSeeds := heldOutSeeds(rep)
	heldOut := func(st *seedStat) {
		var v []float64
		for i, s := range seeds {
			if slices.Contains(heldSeeds, s) {
				v = append(v, st.Seeds[i])
			}
		}
		h := &heldOutStat{Seeds: heldSeeds}
		h.Mean, h.SD = stat.MeanStdDev(v, nil)
		if len(v) < 2 {
			h.SD = 0
		}
		h.MeanIn = st.Bar > 0 && math.Abs(h.Mean-st.Paper) <= st.Bar
		st.HeldOut = h
	}
	group := func(model, roi string) ([]float64, error) {
		v := make([]float64, len(evs))
		for i, ev := range evs {
			for _, s := range seedsSubjects {
				a, err := pairwiseOf(ev, s, model, roi)
				if err != nil {
					return nil, fmt.Errorf("seed %d: %w", seeds[i], err)
				}
				v[i] += a / float64(len(seedsSubjects))
			}
		}
		return v, nil
	}
	pAll := 1.0
	for _, m := range seedsModels {
		rep.Group[m] = map[string]seedStat{}
		for _, roi := range seedsROIs {
			v, err := group(m, roi)
			if err != nil {
				return nil, err
			}
			_, pm, ok := paper.Lookup("pairwise", roi, m)
			if !ok {
				return nil, fmt.Errorf("seeds-report: no paper value for %s %s", m, roi)
			}
			st := newSeedStat(v, 100*pm, seedsGroupBar[m][roi], ri)
			heldOut(&st)
			pAll *= st.PSeed
			rep.Group[m][roi] = st
		}
	}
	for _, roi := range seedsROIs {
		va, _ := group("vaegan", roi)
		pc, _ := group("pca", roi)
		gap := make([]float64, len(va))
		for i := range va {
			gap[i] = va[i] - pc[i]
		}
		_, pv, _ := paper.Lookup("pairwise", roi, "vaegan")
		_, pp, _ := paper.Lookup("pairwise", roi, "pca")
		st := newSeedStat(gap, 100*(pv-pp), 0, ri)
		st.SeedIn = 0 // here: the seeds with the VAE-GAN ahead
		for _, g := range gap {
			if g > 0 {
				st.SeedIn++
			}
		}
		st.MeanIn = st.Mean > 0
		heldOut(&st)
		st.HeldOut.MeanIn = st.HeldOut.Mean > 0
		rep.Gap[roi] = st
	}
	for si, s := range seedsSubjects {
		v := make([]float64, len(evs))
		for i, ev := range evs {
			a, err := pairwiseOf(ev, s, "vaegan", "all")
			if err != nil {
				return nil, fmt.Errorf("seed %d: %w", seeds[i], err)
			}
			v[i] = a
		}
		per, _, _ := paper.Lookup("pairwise", "all", "vaegan")
		st := newSeedStat(v, 100*per[si], seedsSubjectBar, ri)
		heldOut(&st)
		rep.Subjects[s] = st
	}
	sp := seedPairs{Bar: seedsSeedBar, PAll: pAll}
	for i, s := range seeds {
		if i == ri {
			continue
		}
		n := 0
		for _, m := range seedsModels {
			for _, roi := range seedsROIs {
				st := rep.Group[m][roi]
				if math.Abs(st.Seeds[i]-st.Seeds[ri]) <= seedsSeedBar {
					n++
				}
			}
		}
		sp.Seeds = append(sp.Seeds, s)
		sp.Within = append(sp.Within, n)
		if n == len(seedsModels)*len(seedsROIs) {
			sp.AllWithin++
		}
	}
	rep.SeedPairs = sp
	return rep, nil
}

// newSeedStat summarises values v (one per seed; ri the reporting seed's
// index) against the paper's value p with a bar of ± bar points (0: none).
func newSeedStat(v []float64, p, bar float64, ri int) seedStat {
	mean, sd := stat.MeanStdDev(v, nil)
	st := seedStat{Seeds: v, Mean: mean, SD: sd, SE: sd / math.Sqrt(float64(len(v))), Paper: p, Bar: bar,
		Report: v[ri]}
	// Two seeds differ by N(0, 2 SD²).
	if sd > 0 {
		st.PSeed = 2*distuv.UnitNormal.CDF(seedsSeedBar/(sd*math.Sqrt2)) - 1
	} else {
		st.PSeed = 1
	}
	if bar > 0 {
		st.MeanIn = math.Abs(mean-p) <= bar
		st.RepIn = math.Abs(v[ri]-p) <= bar
		for _, x := range v {
			if math.Abs(x-p) <= bar {
				st.SeedIn++
			}
		}
	}
	return st
}

// seedsFigure draws each seed's group means minus the paper's, the two
// models side by side per region; all voxels last, where the bars are
// short, so that the legend does not cover them.
func seedsFigure(path string, rep *seedsReport) error {
	rois := slices.Clone(seedsROIs)
	slices.Reverse(rois)
	var groups []string
	for _, roi := range rois {
		for _, m := range seedsModels {
			groups = append(groups, seedsModelName[m]+" "+shortROI(roi))
		}
	}
	names := make([]string, len(rep.Seeds))
	values := make([][]float64, len(rep.Seeds))
	for i, s := range rep.Seeds {
		names[i] = fmt.Sprintf("seed %d", s)
		for _, roi := range rois {
			for _, m := range seedsModels {
				st := rep.Group[m][roi]
				values[i] = append(values[i], st.Seeds[i]-st.Paper)
			}
		}
	}
	return plots.Bars(path, "Brain v2 (simulated): group-mean pairwise minus the paper's (dashed), per seed", "points (ours − paper)",
		groups, names, values, []float64{0})
}

func shortROI(roi string) string {
	switch roi {
	case "occipital":
		return "occ"
	case "temporal":
		return "temp"
	case "frontoparietal":
		return "fp"
	}
	return roi
}

// seedsMarkdown is the report's page.
func seedsMarkdown(rep *seedsReport) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# The brain v2 over simulation seeds (issue 20)\n\n")
	fmt.Fprintf(&b, "Virtual subjects (simulated, **not real brain data**), the brain v2 at its calibrated defaults, one simulation per seed "+
		"(seeds %s; %d is the reporting seed of [reports/fmri](../README.md)), each fitted with the paper's decoder for both latent spaces. "+
		"Made by `scripts/seeds.sh` and `go run ./trainer fmri seeds-report` (code %s); numbers in [seeds.json](seeds.json). "+
		"Pairwise accuracy in %%, the group mean over the four subjects. "+
		"The calibration (`scripts/calibrate_v2.py`) fitted the mean of seeds %s: their values are targets met, the others' (held out: %s) emerge.\n\n",
		joinInts(rep.Seeds), rep.Reporting, rep.CodeVersion, joinInts(rep.Calibration), joinInts(heldOutSeeds(rep)))
	fmt.Fprintf(&b, "![each seed's group means minus the paper's](seeds.png)\n\n")
	fmt.Fprintf(&b, "## Group means against the paper's bars\n\n")
	fmt.Fprintf(&b, "| model | ROI | paper | bar | %s | mean ± SD | mean within the bar | held-out mean ± SD | within | seeds within | reporting seed within |\n", seedHeads(rep.Seeds))
	fmt.Fprintf(&b, "|---|---|---|---|%s---|---|---|---|---|---|\n", strings.Repeat("---|", len(rep.Seeds)))
	for _, m := range seedsModels {
		for _, roi := range seedsROIs {
			st := rep.Group[m][roi]
			fmt.Fprintf(&b, "| %s | %s | %.1f | ±%g | %s | **%.1f ± %.1f** | %s | %.1f ± %.1f | %s | %d of %d | %s |\n", seedsModelName[m], roi, st.Paper, st.Bar,
				seedCells("%.1f", st.Seeds), st.Mean, st.SD, yesNo(st.MeanIn), st.HeldOut.Mean, st.HeldOut.SD, yesNo(st.HeldOut.MeanIn),
				st.SeedIn, len(st.Seeds), yesNo(st.RepIn))
		}
	}
	fmt.Fprintf(&b, "\n## VAE-GAN minus PCA (the paper's comparison)\n\n")
	fmt.Fprintf(&b, "| ROI | paper | %s | mean ± SE | held-out mean | seeds with the VAE-GAN ahead |\n|---|---|%s---|---|---|\n", seedHeads(rep.Seeds), strings.Repeat("---|", len(rep.Seeds)))
	for _, roi := range seedsROIs {
		st := rep.Gap[roi]
		fmt.Fprintf(&b, "| %s | %+.1f | %s | **%+.1f ± %.1f** | %+.1f | %d of %d |\n", roi, st.Paper, seedCells("%+.1f", st.Seeds), st.Mean, st.SE, st.HeldOut.Mean, st.SeedIn, len(st.Seeds))
	}
	fmt.Fprintf(&b, "\n## Each subject, VAE-GAN, all voxels (bar ±%g)\n\n", seedsSubjectBar)
	fmt.Fprintf(&b, "| subject | paper | %s | mean ± SD | seeds within |\n|---|---|%s---|---|\n", seedHeads(rep.Seeds), strings.Repeat("---|", len(rep.Seeds)))
	for _, s := range seedsSubjects {
		st := rep.Subjects[s]
		fmt.Fprintf(&b, "| %s | %.1f | %s | %.1f ± %.1f | %d of %d |\n", s, st.Paper, seedCells("%.1f", st.Seeds), st.Mean, st.SD, st.SeedIn, len(st.Seeds))
	}
	sp := rep.SeedPairs
	fmt.Fprintf(&b, "\n## Another seed against the reporting seed (bar: all 8 group means within ±%g points)\n\n", sp.Bar)
	for i, s := range sp.Seeds {
		fmt.Fprintf(&b, "- seed %d: %d of 8 within\n", s, sp.Within[i])
	}
	fmt.Fprintf(&b, "\n%d of %d other seeds have all 8 within. From the seed-to-seed SDs above (two seeds differ by SD·√2), "+
		"the chance that another seed has all 8 within ±%g points of the reporting seed's is **%.2f** "+
		"(the quantities taken as independent); per quantity:\n\n", sp.AllWithin, len(sp.Seeds), sp.Bar, sp.PAll)
	for _, m := range seedsModels {
		for _, roi := range seedsROIs {
			st := rep.Group[m][roi]
			fmt.Fprintf(&b, "- %s %s: SD %.1f → %.2f\n", seedsModelName[m], roi, st.SD, st.PSeed)
		}
	}
	return b.String()
}

// heldOutSeeds lists the seeds outside the calibration.
func heldOutSeeds(rep *seedsReport) []int {
	var v []int
	for _, s := range rep.Seeds {
		if !slices.Contains(rep.Calibration, s) {
			v = append(v, s)
		}
	}
	return v
}

func seedHeads(seeds []int) string {
	h := make([]string, len(seeds))
	for i, s := range seeds {
		h[i] = fmt.Sprintf("seed %d", s)
	}
	return strings.Join(h, " | ")
}

// seedCells formats one value per seed as table cells.
func seedCells(format string, v []float64) string {
	c := make([]string, len(v))
	for i, x := range v {
		c[i] = fmt.Sprintf(format, x)
	}
	return strings.Join(c, " | ")
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, ", ")
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "**no**"
}

// parseInts reads a comma-separated list of integers ("" = none).
func parseInts(s string) ([]int, error) {
	var v []int
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("%q: %w", s, err)
		}
		v = append(v, n)
	}
	return v, nil
}
