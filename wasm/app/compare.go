package app

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"fmriface/contract/sitedata"
	"fmriface/infer/site"
)

// The comparison (issue 21): the paper's point, each test face decoded
// through the VAE-GAN and through the PCA baseline (the paper's pixel PCA,
// the site's optional pca files), side by side, with both spaces' pairwise
// accuracy and 1-of-20 ranks beside the paper's for that subject. C shows
// or hides it on the faces and pairwise panels; the results panel
// (results.go) always uses it. Its files download when it is first shown,
// never before: the PCA bundle, then the subject's PCA bundle, and for a
// region view its PCA regions file. The view's PCA faces are decoded after
// the VAE-GAN's, as one batch: the latents, then the faces, each step a
// block of decoder rows or of PCA components for all of them.

// PCAState is where the comparison's files for the view on screen are.
type PCAState int

const (
	PCAAbsent      PCAState = iota // the site's index has no PCA files for this subject
	PCAWaiting                     // not asked for yet: showing the comparison asks
	PCADownloading                 // asked for, not all arrived
	PCAFailed                      // a download failed; showing the comparison again retries
	PCAReady                       // the PCA bundle and the view's PCA decoder are here
)

func (s PCAState) String() string {
	return [...]string{"absent", "waiting", "downloading", "failed", "ready"}[s]
}

// comparison is the PCA side: its data as it arrives, and the view's PCA
// faces and scores.
type comparison struct {
	on     bool            // C: the faces and pairwise panels show PCA beside the VAE-GAN
	pca    *site.PCA       // the PCA bundle, once here
	subs   []*site.Subject // the PCA subjects downloaded so far
	failed string          // why the last PCA download failed
	dec    *Decoder        // PCA latents and faces; nil until the PCA bundle arrives

	zhat      []float32     // N×K: the view's decoded PCA latents
	zReady    bool          // zhat is the view's
	decoded   []imageBuf    // the PCA face of each decoded latent
	scores    faceScores    // of zhat; corr nil until zReady
	share     time.Duration // each face's share of the view's batch
	announced bool          // the view's comparison was announced
}

// OnNeedPCA sets the host's function that downloads a PCA file: id "" is
// the PCA bundle, else subject id's PCA bundle or, with regions, its PCA
// regions file. Each arrives through AddPCA, AddPCASubject or
// PCARegionsAdded, or its failure through PCAFailed.
func (a *App) OnNeedPCA(f func(id string, regions bool)) { a.onNeedPCA = f }

// askPCA asks the host for a PCA file, once until PCAFailed.
func (a *App) askPCA(id string, regions bool) {
	k := need{id: id, regions: regions, pca: true}
	if a.requested[k] {
		return
	}
	if a.requested == nil {
		a.requested = map[need]bool{}
	}
	a.requested[k] = true
	a.cmp.failed = ""
	if a.onNeedPCA != nil {
		a.onNeedPCA(id, regions)
	}
}

// pcaRef is the index's PCA entry of subject id, or nil.
func (a *App) pcaRef(id string) *sitedata.PCASubjectRef {
	if a.index == nil || a.index.PCA == nil {
		return nil
	}
	for _, r := range a.index.Subjects {
		if r.ID == id {
			return r.PCA
		}
	}
	return nil
}

// PCASubjectByID returns the loaded PCA subject with that id, or nil.
func (a *App) PCASubjectByID(id string) *site.Subject {
	for _, s := range a.cmp.subs {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// pcaSubject is the current subject's PCA subject, or nil.
func (a *App) pcaSubject() *site.Subject { return a.PCASubjectByID(a.Subject().ID) }

// AddPCA gives the app the PCA bundle (site.LoadPCAVerified).
func (a *App) AddPCA(p *site.PCA) error {
	if p == nil {
		return errors.New("demo: no PCA bundle")
	}
	if a.cmp.pca != nil {
		return errors.New("demo: the PCA bundle is already loaded")
	}
	if s := a.model.ImageSize(); p.ImageSize != s {
		return fmt.Errorf("demo: the PCA draws %d×%d faces, the generator %d×%d", p.ImageSize, p.ImageSize, s, s)
	}
	maxV := 0
	for _, s := range a.cmp.subs {
		maxV = max(maxV, s.V)
	}
	a.cmp.pca, a.cmp.dec = p, NewPCADecoder(p, maxV)
	a.pcaArrived()
	return nil
}

// AddPCASubject gives the app a subject's PCA bundle
// (site.LoadPCASubjectVerified with the PCA bundle's K).
func (a *App) AddPCASubject(s *site.Subject) error {
	switch {
	case s == nil || s.Space != site.SpacePCA:
		return errors.New("demo: not a PCA subject bundle")
	case a.cmp.pca == nil:
		return fmt.Errorf("demo: PCA subject %s arrived before the PCA bundle", s.ID)
	case s.L != a.cmp.pca.K:
		return fmt.Errorf("demo: PCA subject %s decodes to %d coefficients, the PCA has %d", s.ID, s.L, a.cmp.pca.K)
	case a.PCASubjectByID(s.ID) != nil:
		return fmt.Errorf("demo: PCA subject %s is already loaded", s.ID)
	}
	if v := a.SubjectByID(s.ID); v != nil {
		if err := pcaMatches(v, s); err != nil {
			return err
		}
	}
	a.cmp.subs = append(a.cmp.subs, s)
	a.cmp.dec.growVoxels(s.V)
	a.pcaArrived()
	return nil
}

// pcaMatches checks that PCA subject p has the test faces and trial subsets
// of subject v, which the comparison sets side by side.
func pcaMatches(v, p *site.Subject) error {
	if p.N != v.N || !slices.Equal(p.SubsetTrials, v.SubsetTrials) {
		return fmt.Errorf("demo: PCA subject %s has %d test faces and subsets of %v trials, its VAE-GAN subject %d and %v",
			p.ID, p.N, p.SubsetTrials, v.N, v.SubsetTrials)
	}
	return nil
}

// PCARegionsAdded tells the app that PCA subject s now has its region
// decoders (Subject.AddRegions with its PCA regions file).
func (a *App) PCARegionsAdded(s *site.Subject) {
	if s == a.pcaSubject() {
		a.pcaArrived()
	}
	a.rev++
}

// PCAFailed tells the app that a PCA file it asked for could not be
// downloaded (id "" is the PCA bundle): showing the comparison again asks
// again.
func (a *App) PCAFailed(id string, regions bool, err error) {
	a.rev++
	delete(a.requested, need{id: id, regions: regions, pca: true})
	if a.cmp.failed != "" {
		return // a file it builds on failed, and that was said
	}
	a.cmp.failed = err.Error()
	what := "The PCA bundle"
	switch {
	case regions:
		what = "The PCA region decoders of " + id
	case id != "":
		what = "The PCA decoder of " + id
	}
	a.say("%s could not be downloaded: %v. Pressing C (or opening the results panel) again retries.", what, err)
}

// pcaArrived is called when a PCA file arrived: a view waiting for it is
// decoded.
func (a *App) pcaArrived() {
	a.rev++
	if !a.wantPCA() {
		return
	}
	a.askPCAFor(a.Subject().ID, a.roi) // its PCA regions file, where the view's trials are in it
	a.queueCompare()
	a.queueResults()
}

// wantPCA reports whether the view on screen shows the comparison.
func (a *App) wantPCA() bool {
	return a.panel == PanelResults || (a.cmp.on && (a.panel == PanelFaces || a.panel == PanelPairwise))
}

// pcaState is where the files of the view's comparison are.
func (a *App) pcaState() PCAState {
	id := a.Subject().ID
	if a.pcaRef(id) == nil {
		return PCAAbsent
	}
	ps := a.pcaSubject()
	if a.cmp.pca != nil && ps != nil && viewHere(ps, a.roi, a.subset) {
		if pcaMatches(a.Subject(), ps) != nil {
			return PCAFailed
		}
		return PCAReady
	}
	if a.cmp.failed != "" {
		return PCAFailed
	}
	for _, k := range a.pcaNeeds(id, a.roi) {
		if a.requested[k] {
			return PCADownloading
		}
	}
	return PCAWaiting
}

// pcaNeeds lists the PCA files not yet here that subject id's region roi
// (and the view's trials) needs: the PCA bundle, the subject's PCA bundle,
// its regions file (asked for with the subject's bundle for a region, or
// once that is here where its fewer-trial patterns are in the regions
// file).
func (a *App) pcaNeeds(id string, roi int) []need {
	var out []need
	if a.cmp.pca == nil {
		out = append(out, need{pca: true})
	}
	ps := a.PCASubjectByID(id)
	if ps == nil {
		out = append(out, need{id: id, pca: true})
	}
	ref := a.pcaRef(id)
	if ref != nil && ref.Regions != nil && ((roi != 0 && (ps == nil || !ps.ROIs[roi].Loaded())) ||
		(a.subset >= 0 && ps != nil && ps.SubsetsPending())) {
		out = append(out, need{id: id, regions: true, pca: true})
	}
	return out
}

// pcaNeedBytes is the size of the files of pcaNeeds (index.json's).
func (a *App) pcaNeedBytes(needs []need) int64 {
	var n int64
	for _, k := range needs {
		switch ref := a.pcaRef(k.id); {
		case k.id == "":
			n += a.index.PCA.Bytes
		case ref == nil:
		case k.regions && ref.Regions != nil:
			n += ref.Regions.Bytes
		case !k.regions:
			n += ref.Bytes
		}
	}
	return n
}

// askPCAFor asks for the PCA files subject id's region roi needs.
func (a *App) askPCAFor(id string, roi int) {
	if a.pcaRef(id) == nil {
		return
	}
	for _, k := range a.pcaNeeds(id, roi) {
		a.askPCA(k.id, k.regions)
	}
}

// toggleCompare answers C: the comparison on or off. It shows on the faces
// and pairwise panels, so another panel gives way to the faces panel.
func (a *App) toggleCompare() {
	c := &a.cmp
	c.on = !c.on
	if !c.on {
		a.say("Comparison off: the faces as shown and as decoded through the VAE-GAN.")
		return
	}
	if a.panel != PanelFaces && a.panel != PanelPairwise {
		a.panel = PanelFaces
	}
	a.showCompare()
	a.say("%s", a.compareOpening())
}

// showCompare asks for what the comparison on screen needs and queues its
// decoding where its files are here.
func (a *App) showCompare() {
	if !a.wantPCA() {
		return
	}
	a.askPCAFor(a.Subject().ID, a.roi)
	a.queueCompare()
}

// compareOpening says what the comparison shows, or why it cannot yet.
func (a *App) compareOpening() string {
	switch a.pcaState() {
	case PCAAbsent:
		return "The PCA comparison is not in this site's data (its index.json lists no PCA files for " + a.Subject().ID + ")."
	case PCADownloading:
		return fmt.Sprintf("Comparison on: each face decoded through the VAE-GAN and through PCA. Downloading the PCA decoder of %s (%s); the PCA faces are decoded when it arrives.",
			a.Subject().ID, megabytes(a.pcaNeedBytes(a.pcaNeeds(a.Subject().ID, a.roi))))
	case PCAFailed:
		if ps := a.pcaSubject(); ps != nil && a.cmp.pca != nil {
			if err := pcaMatches(a.Subject(), ps); err != nil {
				return "The PCA comparison cannot be shown: " + err.Error()
			}
		}
		return "The PCA comparison's files could not be downloaded: " + a.cmp.failed
	}
	return "Comparison on: each face as shown, decoded through the VAE-GAN and decoded through PCA. " + a.DescribeCompare()
}

// queueCompare queues the view's PCA latents and faces, where its files
// are here and they are not yet decoded (after the work already queued).
func (a *App) queueCompare() {
	if !a.wantPCA() || a.pcaState() != PCAReady {
		return
	}
	c := &a.cmp
	drawn := c.zReady && !slices.ContainsFunc(c.decoded, func(im imageBuf) bool { return !im.ready })
	queued := slices.ContainsFunc(a.sched.queue, func(j Job) bool { _, ok := j.(*pcaJob); return ok })
	if !drawn && !queued {
		a.sched.Push(&pcaJob{a: a})
	}
}

// forgetCompare marks the view's PCA latents, faces and scores out of date.
func (c *comparison) forget() {
	c.zReady = false
	c.scores.corr = nil
	c.announced = false
	for i := range c.decoded {
		c.decoded[i].ready = false
	}
}

// pcaJob is the view's PCA work: its latents as one batch, then its faces
// as one batch.
type pcaJob struct {
	a     *App
	phase int // 0: start; 1: latents; 2: faces
	spent time.Duration
}

// Step implements Job.
func (j *pcaJob) Step() bool {
	a, c := j.a, &j.a.cmp
	t0 := a.now()
	done := j.step()
	j.spent += a.now().Sub(t0)
	if done && j.phase == 2 {
		// Each face's decode time is its share of the batch's.
		c.share = j.spent / time.Duration(max(1, a.N()))
		for i := range c.decoded {
			c.decoded[i].elapsed = c.share
		}
		a.pcaFaceDone()
	}
	return done
}

func (j *pcaJob) step() bool {
	a, c := j.a, &j.a.cmp
	ps := a.pcaSubject()
	if ps == nil || c.dec == nil || a.pcaState() != PCAReady {
		return true // queued when they were here; nothing can take them away
	}
	k := ps.L
	switch j.phase {
	case 0:
		j.phase = 1
		if c.zReady {
			return j.beginFaces(ps.N)
		}
		if len(c.zhat) != ps.N*k {
			c.zhat = make([]float32, ps.N*k)
		}
		subset := a.subset
		pattern := func(i int) []float32 { return ps.Pattern(subset, i) }
		if err := c.dec.BeginLatents(&ps.ROIs[a.roi], ps.N, pattern, c.zhat); err != nil {
			panic(err) // shapes were checked when the subject was loaded
		}
		return false
	case 1:
		if !c.dec.StepLatents() {
			return false
		}
		c.zReady = true
		c.scores = scoreFaces(c.zhat, ps)
		return j.beginFaces(ps.N)
	}
	if !c.dec.StepImages() {
		return false
	}
	for i := range c.decoded {
		c.decoded[i].ready = true
		c.decoded[i].version++
	}
	return true
}

// beginFaces starts the batch of the view's n PCA faces (phase 2).
func (j *pcaJob) beginFaces(n int) bool {
	c := &j.a.cmp
	if err := c.dec.BeginImages(n, c.zhat, func(i int) []byte { return c.decoded[i].rgba }); err != nil {
		panic(err) // sizes were checked when the files arrived
	}
	j.phase = 2
	return false
}

// pcaFaceDone is called when a PCA face is drawn: with the last one of a
// view whose VAE-GAN faces are all drawn, the comparison is announced.
func (a *App) pcaFaceDone() {
	if a.allDrawn() {
		a.announceCompare()
	}
}

// allDrawn reports whether every face of the view is drawn, the PCA ones
// too where the comparison is shown, and the scores are in.
func (a *App) allDrawn() bool {
	if !a.Ready() {
		return false
	}
	for i := range a.decoded {
		if !a.decoded[i].ready || (a.compareReady() && !a.cmp.decoded[i].ready) {
			return false
		}
	}
	return !a.wantPCA() || a.compareReady()
}

// compareReady reports whether the view's PCA scores are in.
func (a *App) compareReady() bool { return a.cmp.scores.corr != nil && a.pcaState() == PCAReady }

// announceCompare says the view's comparison, once.
func (a *App) announceCompare() {
	if a.cmp.announced || !a.compareReady() || (a.panel != PanelFaces && a.panel != PanelPairwise) {
		return
	}
	a.cmp.announced = true
	a.say("%s, %s, %s: %d faces decoded through the VAE-GAN and through PCA. %s", a.Subject().ID, a.ROILabel(), a.TrialsLabel(), a.N(), a.DescribeCompare())
}

// DescribeCompare gives both spaces' pairwise accuracy and faces ranked
// first, with the paper's for the subject set beside this one, as in
// "pairwise: VAE-GAN 97.1 %, PCA 89.5 % (paper S1: 97.1 %, 89.5 %)".
func (a *App) DescribeCompare() string {
	if !a.Ready() || !a.compareReady() {
		return "Comparison: decoding."
	}
	var b strings.Builder
	b.WriteString(a.comparePairwise())
	b.WriteString("; ")
	b.WriteString(a.compareFirst())
	b.WriteString(".")
	if a.subset >= 0 {
		b.WriteString(" The paper's values are for all trials.")
	}
	return b.String()
}

// comparePairwise is the pairwise part of DescribeCompare.
func (a *App) comparePairwise() string {
	v, p := &a.faces, &a.cmp.scores
	s := fmt.Sprintf("pairwise: %s %s, %s %s", SpaceVAEGAN, percent(frac(v.pairCorrect, v.pairTotal)), SpacePCA, percent(frac(p.pairCorrect, p.pairTotal)))
	id := a.Subject().ID
	pv, ok1 := paperValue("pairwise", a.roi, SpaceVAEGAN, id)
	pp, ok2 := paperValue("pairwise", a.roi, SpacePCA, id)
	if ok1 && ok2 {
		s += fmt.Sprintf(" (paper %s: %s, %s)", PaperSubject(id), percent(pv), percent(pp))
	} else {
		s += " (the paper has no value for this subject and region)"
	}
	return s
}

// compareFirst is the 1-of-N part of DescribeCompare: the faces ranked
// first among the N.
func (a *App) compareFirst() string {
	n := a.N()
	s := fmt.Sprintf("ranked first of %d: %s %d, %s %d", n, SpaceVAEGAN, a.faces.rankedFirst(), SpacePCA, a.cmp.scores.rankedFirst())
	id := a.Subject().ID
	pv, ok1 := paperValue("full_recognition", a.roi, SpaceVAEGAN, id)
	pp, ok2 := paperValue("full_recognition", a.roi, SpacePCA, id)
	if ok1 && ok2 && n == 20 {
		s += fmt.Sprintf(" (paper %s: %.0f, %.0f)", PaperSubject(id), 20*pv, 20*pp)
	}
	return s
}

// frac is c/t, 0 for t = 0.
func frac(c, t int) float64 {
	if t == 0 {
		return 0
	}
	return float64(c) / float64(t)
}

// DecodedPCA is test face i as decoded through PCA.
func (a *App) DecodedPCA(i int) Image { return a.cmp.decoded[i].handle() }

// CompareView is what the faces and pairwise panels show of the
// comparison, for the frame being drawn.
type CompareView struct {
	On    bool     // C: the comparison is shown
	State PCAState // its files for the view
	Bytes int64    // the size of the files still to download
	// Ready: the view's PCA scores are in (and the VAE-GAN's): the
	// accuracies below and Rank, Beats hold.
	Ready                  bool
	PairCorrect, PairTotal int
	// Text is the comparison's line: both accuracies and the paper's.
	Text string

	c *comparison
}

// Compare returns what the panels show of the comparison now.
func (a *App) Compare() CompareView {
	c := &a.cmp
	v := CompareView{On: c.on, State: a.pcaState(), Ready: a.Ready() && a.compareReady(), c: c}
	if v.State == PCADownloading || v.State == PCAWaiting {
		v.Bytes = a.pcaNeedBytes(a.pcaNeeds(a.Subject().ID, a.roi))
	}
	if v.Ready {
		v.PairCorrect, v.PairTotal = c.scores.pairCorrect, c.scores.pairTotal
		v.Text = a.comparePairwise() + "; " + a.compareFirst()
	}
	return v
}

// Rank is PCA face i's rank among the N (1 is best), valid when Ready.
func (v CompareView) Rank(i int) int { return v.c.scores.ranks[i] }

// Beats is the number of the N−1 other faces PCA face i tells apart from
// its own, valid when Ready.
func (v CompareView) Beats(i int) int { return v.c.scores.perFace[i] }

// PCAPending reports whether a PCA file the view on screen needs is
// downloading.
func (a *App) PCAPending() bool { return a.wantPCA() && a.pcaState() == PCADownloading }

// PCALatent is the number of PCA coefficients (the PCA bundle's K), for
// loading a PCA subject; false until the PCA bundle is here.
func (a *App) PCALatent() (int, bool) {
	if a.cmp.pca == nil {
		return 0, false
	}
	return a.cmp.pca.K, true
}

// PCA is the PCA bundle, or nil until it arrives. It is shared: the caller
// must not modify it.
func (a *App) PCA() *site.PCA { return a.cmp.pca }
