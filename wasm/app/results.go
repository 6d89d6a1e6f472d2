package app

import (
	"fmt"
	"math"
	"strings"

	"fmriface/contract/sitedata"
)

// The results panel: the current subject's measures against the paper's
// for the subject set beside it (paper.go), as a chart: pairwise accuracy
// through the VAE-GAN and through PCA in each region, the faces ranked
// first of the 20 in both spaces, the gender read-out and the imagery
// pairwise score in each region. Ours are computed here, from the
// subject's test patterns decoded with each region's decoder in each space,
// exactly as the other panels score the view (faces.go, gender.go,
// imagery.go); nothing is read from the exporter's report. Opening the
// panel asks for the region decoders and the PCA files it needs; each
// measure appears when its decoder is here and its patterns are decoded.

// Measures of the results panel.
const (
	MeasurePairwise = "pairwise"         // of the N·(N−1) ordered pairs
	MeasureFirst    = "full_recognition" // faces ranked first of the N
	MeasureGender   = "gender"           // decoded faces read as the sex shown
	MeasureImagery  = "imagery_pairwise" // the imagined face against each of the N−1 others
)

// resultCell is one space's scores in one region.
type resultCell struct {
	done        bool
	pairCorrect int
	pairTotal   int
	first       int // faces ranked first
	gender      int // VAE-GAN only
	imagery     int // VAE-GAN only: of N−1
	n           int
	job         *resultsJob
}

// resultsPanel holds the scores for one subject and trial selection: the
// VAE-GAN's (space 0) and PCA's (space 1) in each region.
type resultsPanel struct {
	subject   string
	subset    int
	cells     [2][sitedata.NumROIs]resultCell
	zs        []float32 // (N+1)×L scratch of a job's latents
	announced bool
}

// resultsJob decodes the subject's test patterns (and, for the VAE-GAN, the
// imagery pattern) with one region's decoder in one space, as one batch,
// and scores them.
type resultsJob struct {
	a     *App
	space int // 0 VAE-GAN, 1 PCA
	roi   int
	begun bool
}

// Step implements Job.
func (j *resultsJob) Step() bool {
	a := j.a
	p := &a.results
	s := a.Subject()
	dec := a.dec
	n := s.N
	if j.space == 1 {
		s, dec = a.pcaSubject(), a.cmp.dec
		if s == nil || dec == nil || !viewHere(s, j.roi, a.subset) {
			return true // cannot happen: queued once they were here
		}
	}
	rows := n
	if j.space == 0 {
		rows = n + 1 // the imagery pattern too
	}
	if !j.begun {
		if cap(p.zs) < rows*s.L {
			p.zs = make([]float32, rows*s.L)
		}
		subset := p.subset
		pattern := func(i int) []float32 {
			if i == n {
				return s.Imagery
			}
			return s.Pattern(subset, i)
		}
		if err := dec.BeginLatents(&s.ROIs[j.roi], rows, pattern, p.zs[:rows*s.L]); err != nil {
			panic(err) // shapes were checked when the subject was loaded
		}
		j.begun = true
		return false
	}
	if !dec.StepLatents() {
		return false
	}
	zhat := p.zs[:n*s.L]
	f := scoreFaces(zhat, s)
	c := &p.cells[j.space][j.roi]
	c.done, c.n, c.pairCorrect, c.pairTotal, c.first = true, n, f.pairCorrect, f.pairTotal, f.rankedFirst()
	if j.space == 0 {
		c.gender = readGender(zhat, s, a.model.Male).correct
		im := imageryPanel{z: p.zs[n*s.L : (n+1)*s.L]}
		im.score(s)
		c.imagery = n - im.rank
	}
	a.rev++
	a.resultsDone()
	return true
}

// queueResults queues, when the results panel is on screen, the scores
// not yet computed whose decoders are here, and asks for the others.
func (a *App) queueResults() {
	if a.panel != PanelResults {
		return
	}
	s := a.Subject()
	p := &a.results
	if p.subject != s.ID || p.subset != a.subset {
		*p = resultsPanel{subject: s.ID, subset: a.subset, zs: p.zs}
	}
	ps := a.pcaSubject()
	for space := range 2 {
		for roi := range sitedata.NumROIs {
			c := &p.cells[space][roi]
			if c.done || (c.job != nil && a.sched.Has(c.job)) {
				continue
			}
			switch {
			case space == 0 && !viewHere(s, roi, a.subset):
				a.ask(s.ID, true)
				continue
			case space == 1 && a.pcaRef(s.ID) == nil:
				continue
			case space == 1 && (a.cmp.pca == nil || ps == nil || !viewHere(ps, roi, a.subset) || pcaMatches(s, ps) != nil):
				a.askPCAFor(s.ID, roi)
				continue
			}
			c.job = &resultsJob{a: a, space: space, roi: roi}
			a.sched.Push(c.job)
		}
	}
}

// resultsDone announces the panel's measures once all of them are in.
func (a *App) resultsDone() {
	p := &a.results
	if a.panel != PanelResults || p.announced {
		return
	}
	for _, r := range a.Results().Rows {
		if r.State == ResultPending {
			return
		}
	}
	p.announced = true
	a.say("%s", a.DescribeResults())
}

// ResultState is where one measure of the results panel is.
type ResultState int

const (
	ResultPending ResultState = iota // its decoder downloads, or its patterns are decoding
	ResultReady                      // computed
	ResultAbsent                     // the site has no data for it (PCA without the PCA files)
)

// ResultRow is one measure of the results panel: ours for the subject on
// screen, and the paper's for the subject set beside it.
type ResultRow struct {
	Measure string // MeasurePairwise, MeasureFirst, MeasureGender, MeasureImagery
	Space   string // SpaceVAEGAN or SpacePCA
	ROI     int
	State   ResultState
	// Ours is Correct of Total, when State is ResultReady.
	Correct, Total int
	Ours           float64
	// Paper is the paper's fraction; NaN where it has none.
	Paper  float64
	Chance float64
}

// Label names the row for people: "pairwise, VAE-GAN, occipital".
func (r ResultRow) Label() string {
	return fmt.Sprintf("%s, %s, %s", MeasureName(r.Measure), r.Space, sitedata.ROIName(r.ROI))
}

// MeasureName names a measure for people.
func MeasureName(m string) string {
	switch m {
	case MeasureFirst:
		return "ranked first of 20"
	case MeasureImagery:
		return "imagery pairwise"
	case MeasureGender:
		return "gender read-out"
	}
	return m
}

// ResultsView is what the results panel shows, for the frame being drawn.
type ResultsView struct {
	Subject, Paper string // our subject and the paper's beside it ("S1"; "" for none)
	Trials         string
	Caveat         string
	PCA            PCAState // the PCA files of the subject's all-voxel view
	Rows           []ResultRow
}

// Results returns what the results panel shows now.
func (a *App) Results() ResultsView {
	s := a.Subject()
	v := ResultsView{Subject: s.ID, Paper: PaperSubject(s.ID), Trials: a.TrialsLabel(), Caveat: a.ResultsCaveat()}
	v.PCA = PCAAbsent
	if a.pcaRef(s.ID) != nil {
		v.PCA = PCAWaiting
		if a.cmp.pca != nil && a.pcaSubject() != nil {
			v.PCA = PCAReady
		}
	}
	p := &a.results
	current := p.subject == s.ID && p.subset == a.subset
	row := func(measure string, space, roi int) {
		r := ResultRow{Measure: measure, Space: SpaceVAEGAN, ROI: roi, Paper: math.NaN(), Chance: 0.5}
		if space == 1 {
			r.Space = SpacePCA
		}
		if pv, ok := paperValue(measure, roi, r.Space, s.ID); ok {
			r.Paper = pv
		}
		c := p.cells[space][roi]
		switch {
		case space == 1 && a.pcaRef(s.ID) == nil:
			r.State = ResultAbsent
		case current && c.done:
			r.State = ResultReady
			switch measure {
			case MeasurePairwise:
				r.Correct, r.Total = c.pairCorrect, c.pairTotal
			case MeasureFirst:
				r.Correct, r.Total, r.Chance = c.first, c.n, 1/float64(max(1, c.n))
			case MeasureGender:
				r.Correct, r.Total = c.gender, c.n
			case MeasureImagery:
				r.Correct, r.Total = c.imagery, c.n-1
			}
			r.Ours = frac(r.Correct, r.Total)
		}
		if measure == MeasureFirst && r.State != ResultReady {
			r.Chance = 1 / float64(max(1, s.N))
		}
		v.Rows = append(v.Rows, r)
	}
	for space := range 2 {
		for roi := range sitedata.NumROIs {
			row(MeasurePairwise, space, roi)
		}
	}
	row(MeasureFirst, 0, 0)
	row(MeasureFirst, 1, 0)
	for roi := range sitedata.NumROIs {
		row(MeasureGender, 0, roi)
	}
	for roi := range sitedata.NumROIs {
		row(MeasureImagery, 0, roi)
	}
	return v
}

// ResultsCaveat says what the numbers are, and are not.
func (a *App) ResultsCaveat() string {
	c := "Virtual subjects simulated on the real protocol, not real fMRI: the paper's values are from real brains."
	if a.index != nil && a.index.Fixture {
		c = "TEST FIXTURE: random untrained model and synthetic subjects; these numbers are not results. " + c
	}
	return c
}

// DescribeResults says the results panel's measures: ours, the paper's
// beside them, and what is still coming.
func (a *App) DescribeResults() string {
	v := a.Results()
	var b strings.Builder
	fmt.Fprintf(&b, "Results of %s, %s, against the paper's", v.Subject, v.Trials)
	if v.Paper != "" {
		fmt.Fprintf(&b, " subject %s (all trials)", v.Paper)
	} else {
		b.WriteString(" (which has no subject beside this one)")
	}
	fmt.Fprintf(&b, ". %s", v.Caveat)
	last := ""
	for _, r := range v.Rows {
		head := MeasureName(r.Measure) + ", " + r.Space
		sep := ", "
		if head != last {
			sep = ". " + head + ": "
			last = head
		}
		b.WriteString(sep)
		b.WriteString(sitedata.ROIName(r.ROI) + " ")
		switch r.State {
		case ResultAbsent:
			b.WriteString("not in this site's data")
		case ResultPending:
			b.WriteString("pending")
		default:
			b.WriteString(percent(r.Ours))
			if r.Measure == MeasureFirst {
				fmt.Fprintf(&b, " (%d of %d)", r.Correct, r.Total)
			}
		}
		if !math.IsNaN(r.Paper) {
			fmt.Fprintf(&b, " (paper %s)", percent(r.Paper))
		}
	}
	b.WriteString(".")
	if v.PCA == PCAAbsent {
		b.WriteString(" The PCA comparison is not in this site's data.")
	}
	return b.String()
}

// openResults is setPanel's part for the results panel.
func (a *App) openResults() {
	a.queueResults()
	a.results.announced = false
	for _, r := range a.Results().Rows {
		if r.State == ResultPending {
			a.say("Results panel: %s's measures against the paper's, computed as their decoders arrive. %s", a.Subject().ID, a.ResultsCaveat())
			return
		}
	}
	a.resultsDone()
}
