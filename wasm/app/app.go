package app

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"fmriface/contract/sitedata"
	"fmriface/infer/site"
)

// Panel is one view of the app.
type Panel int

// The panels, in the order of the number keys 1…7.
const (
	PanelFaces    Panel = iota // test faces as shown and as decoded
	PanelPattern               // slice mosaic of a pattern, ROIs outlined
	PanelPairwise              // the pairwise game
	PanelGender                // gender read-out along axis.male
	PanelImagery               // imagery pattern, 20 candidates ranked
	PanelExplore               // random faces, male and smile sliders
	PanelAbout                 // the study and the data
	NumPanels
)

func (p Panel) String() string {
	switch p {
	case PanelFaces:
		return "Faces"
	case PanelPattern:
		return "Pattern"
	case PanelPairwise:
		return "Pairwise test"
	case PanelGender:
		return "Gender"
	case PanelImagery:
		return "Imagery"
	case PanelExplore:
		return "Explore"
	case PanelAbout:
		return "About"
	}
	return fmt.Sprintf("Panel(%d)", int(p))
}

// Key is a keyboard command, independent of the windowing library.
type Key int

// The keys the app understands (see Help).
const (
	KeyNone        Key = iota
	KeyLeft            // previous face; pairwise: left; explore: less male
	KeyRight           // next face; pairwise: right; explore: more male
	KeyUp              // previous row of faces; explore: more smile
	KeyDown            // next row of faces; explore: less smile
	KeyEnter           // pairwise: next pair; explore: new random face
	KeyNextPanel       // Tab
	KeyPrevPanel       // Shift+Tab
	KeySubject         // S: next subject
	KeySubjectBack     // Shift+S
	KeyROI             // R: next region
	KeyROIBack         // Shift+R
	KeyTrials          // T: fewer trials (next subset)
	KeyTrialsBack      // Shift+T
	KeyReset           // 0: explore: sliders to zero
	KeyHelp            // H or ?
	KeyDownloadAll     // D: download every subject, for offline use
	KeyLeave           // Esc: the focus goes back to the page (see LeavesApp)
	KeyPanel1          // 1…7 select a panel
)

// Help is the keyboard summary spoken for KeyHelp and printed by the page.
const Help = "Keys: 1 to 7 or Tab choose a panel (faces, pattern, pairwise, gender, imagery, explore, about). " +
	"S next subject, R next brain region, T fewer trials (Shift goes back); D downloads every subject for offline use. " +
	"Arrows choose a face; in the pairwise test Left or Right picks the face the subject saw and Enter shows the next pair; " +
	"in explore Left/Right move the gender slider, Up/Down the smile slider, Enter draws a random face, 0 resets. " +
	"Esc, Tab on the last panel or Shift+Tab on the first leave the app for the rest of the page."

// Image is one face on screen: RGBA bytes filled in by a job.
type Image struct {
	RGBA    []byte
	Ready   bool
	Version int           // bumped whenever RGBA changes, so a view re-uploads it
	Elapsed time.Duration // compute time of the decode (pattern → latent → image)
}

// Slider bounds and step of the explore panel, in units of the axis.
const (
	SliderMax  = 2.0
	SliderStep = 0.25
)

// App is the whole interactive state of the demo, without any drawing.
type App struct {
	Index    *sitedata.Index
	Model    *site.Model
	Subjects []*site.Subject

	now   func() time.Time
	sched *Scheduler
	dec   *Decoder
	rng   *rand.Rand

	Panel  Panel
	Sub    int // index into Subjects
	ROI    int // 0 all, 1 occipital, 2 temporal, 3 frontoparietal
	Subset int // −1: all trials; else a fewer-trials subset
	Sel    int // selected test face

	Shown   []Image   // generator(true latent) of each test face
	Decoded []Image   // generator(ẑ) of each decoded pattern
	zall    []float32 // (N+1)×L: the test faces' latents, then the imagery latent
	zhat    []float32 // zall[:N·L]
	zReady  []bool

	latentShare time.Duration // the batch decode's time per pattern

	Candidates   []Image // imagery candidates
	ImageryImage Image
	zImagery     []float32
	imageryReady bool

	// ExploreImage keeps showing the last face drawn while a newer latent
	// is computed (a dragged slider asks for a face every frame).
	ExploreImage Image
	exploreBase  []float32
	exploreZ     []float32
	exploreRev   int  // bumped by every change of exploreZ
	exploreDrawn int  // the exploreRev that ExploreImage shows
	exploreJob   *job // the explore job last queued
	MaleAmt      float64
	SmileAmt     float64
	latMean      []float64
	latStd       []float64

	Mosaic *Mosaic

	// Results, valid when Ready() (all latents of the current view decoded).
	Corr          []float64 // N×N: decoded i vs true j
	PairCorrect   int
	PairTotal     int
	PerFace       []int // pairwise count of each face out of N−1
	Ranks         []int // rank of the true face among the N for each decoded face
	MaleDecoded   []bool
	MaleTrue      []bool // read-out on the true latents (the ceiling)
	GenderCorrect int
	GenderCeiling int
	ImageryScores []float64
	ImageryOrder  []int
	ImageryRank   int

	Game Game

	// awaitRegions: the current region's decoder is still downloading, so
	// the view decodes nothing until RegionsAdded.
	awaitRegions bool

	// OnNeed, when set, asks the host to download a file the app wants: a
	// subject's bundle, or with regions its regions file. The page starts
	// with the first subject's bundle only; every other file is fetched when
	// a view needs it (or all of them, for KeyDownloadAll), so a visit that
	// stays with one subject downloads that subject only. Each file is asked
	// for once, until NeedFailed; it arrives through AddSubject or
	// RegionsAdded.
	OnNeed    func(id string, regions bool)
	requested map[need]bool
	// pendingSub is the subject S chose that is still downloading; the app
	// switches to it when it arrives.
	pendingSub string

	FirstFace time.Duration // from NewApp to the first decoded face; 0 until then
	started   time.Time
	message   string
	messageN  int

	// rev counts the changes a view may show (see Rev).
	rev int
}

// Rev returns a counter that changes whenever something on screen may have
// changed: a key, a message, a subject or decoder that arrived, a step of
// queued work. A view that drew at this Rev need not draw again, which
// spares the browser the canvas's per-frame copy (where it composites in
// software, that copy costs more than the frame's own work).
func (a *App) Rev() int { return a.rev }

// NewApp builds the app on loaded data. now may be nil (time.Now); seed fixes
// the random faces and the order of the pairwise game.
func NewApp(ix *sitedata.Index, m *site.Model, subs []*site.Subject, now func() time.Time, seed uint64) (*App, error) {
	if len(subs) == 0 {
		return nil, fmt.Errorf("demo: no subjects")
	}
	maxV := 0
	for _, s := range subs {
		if s.L != m.Latent() {
			return nil, fmt.Errorf("demo: subject %s decodes to %d latent dimensions, the model has %d", s.ID, s.L, m.Latent())
		}
		maxV = max(maxV, s.V)
	}
	if now == nil {
		now = time.Now
	}
	a := &App{
		Index: ix, Model: m, Subjects: subs,
		now: now, sched: NewScheduler(now), dec: NewDecoder(m, maxV),
		rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), Subset: -1,
		exploreBase: make([]float32, m.Latent()), exploreZ: make([]float32, m.Latent()),
		started: now(),
	}
	a.latentStats()
	a.ExploreImage.RGBA = a.newRGBA()
	a.randomExplore()
	a.selectSubject(0)
	return a, nil
}

// AddSubject adds a subject that finished downloading after the app started
// (the page loads the first subject before starting and the others when they
// are needed). If S chose it, the app switches to it.
func (a *App) AddSubject(s *site.Subject) error {
	if s.L != a.Model.Latent() {
		return fmt.Errorf("demo: subject %s decodes to %d latent dimensions, the model has %d", s.ID, s.L, a.Model.Latent())
	}
	for _, t := range a.Subjects {
		if t.ID == s.ID {
			return fmt.Errorf("demo: subject %s is already loaded", s.ID)
		}
	}
	if s.V > len(a.dec.y) {
		a.dec.y = make([]float32, s.V)
	}
	a.Subjects = append(a.Subjects, s)
	a.rev++
	a.latentStats()
	if s.ID == a.pendingSub {
		a.pendingSub = ""
		a.selectSubject(len(a.Subjects) - 1)
		a.saySubject()
		return nil
	}
	a.say("Subject %s is ready (%d of %d subjects loaded); press S to switch.", s.ID, len(a.Subjects), max(len(a.Subjects), len(a.Index.Subjects)))
	return nil
}

// saySubject announces the current subject and what its view does next.
func (a *App) saySubject() {
	a.say("Subject %s (%d voxels, %s, %s). %s", a.Subject().ID, a.Subject().V, a.ROILabel(), a.TrialsLabel(), a.decodingNote())
}

// SubjectByID returns the loaded subject with that id, or nil.
func (a *App) SubjectByID(id string) *site.Subject {
	for _, s := range a.Subjects {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// AwaitingRegions reports whether the current view waits for its region's
// decoder to download (it decodes when RegionsAdded is called).
func (a *App) AwaitingRegions() bool { return a.awaitRegions }

// RegionsAdded tells the app that s now has its region decoders
// (Subject.AddRegions): a view that was waiting for them is decoded.
func (a *App) RegionsAdded(s *site.Subject) {
	a.rev++
	if s != a.Subject() || !a.awaitRegions || !s.ROIs[a.ROI].Loaded() {
		return
	}
	a.replan()
	a.say("The region decoders of %s have arrived. Region: %s. Decoding…", s.ID, a.ROILabel())
}

// decodingNote says what follows a change of view: decoding, or waiting for
// the region's decoder to download.
func (a *App) decodingNote() string {
	if a.Subject().ROIs[a.ROI].Loaded() {
		return "Decoding…"
	}
	return fmt.Sprintf("Its decoder is downloading (%s); the faces are decoded when it arrives.", megabytes(a.subjectBytes(a.Subject().ID, true)))
}

func (a *App) newRGBA() []byte {
	s := a.Model.ImageSize()
	return make([]byte, 4*s*s)
}

// Subject is the current subject.
func (a *App) Subject() *site.Subject { return a.Subjects[a.Sub] }

// N is the number of test faces of the current subject.
func (a *App) N() int { return a.Subject().N }

// Ready reports whether every test face of the current view has its decoded
// latent, so that the results are valid.
func (a *App) Ready() bool { return a.Corr != nil }

// Busy reports whether work is queued.
func (a *App) Busy() bool { return a.sched.Len() > 0 }

// Update does queued work for at most about budget (one slice at least).
// With nothing queued it spends the budget dequantizing the subjects'
// decoders (ROI.Materialize), the current view's first, so that later
// decodes read them directly.
func (a *App) Update(budget time.Duration) {
	start := a.now()
	if a.sched.Run(budget) > 0 {
		a.rev++ // dequantizing decoders (below) changes nothing visible
	}
	for a.sched.Len() == 0 && a.now().Sub(start) < budget && a.materializeStep() {
	}
}

// materializeRows is the decoder rows one idle step dequantizes: about a
// millisecond under WebAssembly for a 1024-D latent.
const materializeRows = 128

// materializeStep dequantizes one block of the first incomplete decoder,
// the current subject and region first; false when all are complete.
// It runs every idle frame, so it allocates nothing.
func (a *App) materializeStep() bool {
	step := func(s *site.Subject) bool {
		if !s.ROIs[a.ROI].Complete() {
			s.ROIs[a.ROI].Materialize(materializeRows)
			return true
		}
		for k := range s.ROIs {
			if !s.ROIs[k].Complete() {
				s.ROIs[k].Materialize(materializeRows)
				return true
			}
		}
		return false
	}
	if step(a.Subject()) {
		return true
	}
	for _, s := range a.Subjects {
		if step(s) {
			return true
		}
	}
	return false
}

// Message returns the latest description for the live region and a counter
// that changes whenever a new one is set.
func (a *App) Message() (string, int) { return a.message, a.messageN }

func (a *App) say(format string, args ...any) {
	a.message = fmt.Sprintf(format, args...)
	a.messageN++
	a.rev++
}

// TrialsLabel describes the current trial selection.
func (a *App) TrialsLabel() string {
	if a.Subset < 0 {
		return "all trials"
	}
	n := a.Subject().SubsetTrials[a.Subset]
	if n == 1 {
		return "1 trial"
	}
	return fmt.Sprintf("%d trials", n)
}

// ROILabel describes the current region with its voxel count.
func (a *App) ROILabel() string {
	return fmt.Sprintf("%s voxels (%d)", sitedata.ROIName(a.ROI), len(a.Subject().ROIs[a.ROI].Index))
}

// latentStats estimates the per-dimension mean and spread of real latents
// from every latent the subjects carry, for drawing random faces.
func (a *App) latentStats() {
	l := a.Model.Latent()
	a.latMean, a.latStd = make([]float64, l), make([]float64, l)
	var n float64
	add := func(z []float32) {
		n++
		for d, x := range z {
			a.latMean[d] += float64(x)
			a.latStd[d] += float64(x) * float64(x)
		}
	}
	for _, s := range a.Subjects {
		for i := range s.N {
			add(s.Latent(i))
			add(s.ImageryLatent(i))
		}
	}
	for d := range l {
		m := a.latMean[d] / n
		a.latMean[d] = m
		a.latStd[d] = math.Sqrt(math.Max(0, a.latStd[d]/n-m*m))
	}
}

func (a *App) selectSubject(k int) {
	a.Sub = k
	s := a.Subject()
	if a.Subset >= s.R() {
		a.Subset = -1
	}
	a.Sel = min(a.Sel, s.N-1)
	a.Shown = a.images(a.Shown, s.N)
	a.Candidates = a.images(a.Candidates, s.N)
	a.Decoded = a.images(a.Decoded, s.N)
	if a.ImageryImage.RGBA == nil {
		a.ImageryImage.RGBA = a.newRGBA()
	}
	for i := range a.Shown {
		a.Shown[i].Ready = false
		a.Candidates[i].Ready = false
	}
	a.Mosaic = NewMosaic(s)
	a.Game = newGame(s.N, a.rng.Uint64())
	a.replan()
}

// images resizes a slice of Images to n, keeping existing buffers.
func (a *App) images(im []Image, n int) []Image {
	for len(im) < n {
		im = append(im, Image{RGBA: a.newRGBA()})
	}
	return im[:n]
}

// replan drops queued work and queues what the current view needs: decoded
// faces (their latents first matter for the results), shown faces, imagery.
func (a *App) replan() {
	s := a.Subject()
	a.sched.Clear()
	if len(a.zall) != (s.N+1)*s.L {
		a.zall = make([]float32, (s.N+1)*s.L)
		a.zhat, a.zImagery = a.zall[:s.N*s.L], a.zall[s.N*s.L:]
		a.zReady = make([]bool, s.N)
	}
	clear(a.zReady)
	a.imageryReady = false
	a.Corr = nil
	for i := range a.Decoded {
		a.Decoded[i].Ready = false
	}
	a.ImageryImage.Ready = false
	a.repaintMosaic()
	// The selected face first, on its own (one pass over the decoder's
	// rows, one generator pass), so that something appears at once, even
	// on a cold start whose code the browser has not yet optimised. Then
	// one batch decodes every latent: the results come at once, and the
	// images follow face by face.
	// A region whose decoder is still downloading decodes nothing yet;
	// RegionsAdded plans again when it arrives.
	decode := s.ROIs[a.ROI].Loaded()
	a.awaitRegions = !decode
	if !decode {
		a.ask(s.ID, true)
	}
	if decode {
		a.sched.Push(&job{a: a, kind: jobDecoded, i: a.Sel})
	}
	// A generator loaded with its first layer encoded computes each image
	// from the encoded rows; the images after the first face are cheaper
	// once it is dense.
	if !a.Model.Gen.DenseFC() {
		a.sched.Push(&job{a: a, kind: jobDenseFC})
	}
	if decode {
		a.sched.Push(&job{a: a, kind: jobLatents})
	}

	imagery := func() {
		if decode {
			a.sched.Push(&job{a: a, kind: jobImagery})
		}
		for i := range s.N {
			if !a.Candidates[i].Ready {
				a.sched.Push(&job{a: a, kind: jobCandidate, i: i})
			}
		}
	}
	if a.Panel == PanelImagery {
		imagery()
	}
	for i := range s.N {
		if !a.Shown[i].Ready {
			a.sched.Push(&job{a: a, kind: jobShown, i: i})
		}
		if i != a.Sel && decode {
			a.sched.Push(&job{a: a, kind: jobDecoded, i: i})
		}
	}
	if a.Panel != PanelImagery {
		imagery()
	}
	switch {
	case a.ExploreImage.Ready && a.exploreDrawn == a.exploreRev:
	default:
		a.queueExplore(a.Panel == PanelExplore)
	}
}

// queueExplore queues the explore face, before the other work if front.
func (a *App) queueExplore(front bool) {
	a.exploreJob = &job{a: a, kind: jobExplore}
	if front {
		a.sched.PushFront(a.exploreJob)
	} else {
		a.sched.Push(a.exploreJob)
	}
}

func (a *App) repaintMosaic() {
	a.Mosaic.Paint(a.Subject().Pattern(a.Subset, a.Sel), a.ROI)
}

// LeavesApp reports whether key k, pressed now, belongs to the page rather
// than the app: Esc, Tab on the last panel and Shift+Tab on the first. The
// page then moves the focus on, so the keyboard can always leave the app
// (no keyboard trap, WCAG 2.1.2) while Tab still steps through the panels.
func (a *App) LeavesApp(k Key) bool {
	return k == KeyLeave || (k == KeyNextPanel && a.Panel == NumPanels-1) || (k == KeyPrevPanel && a.Panel == 0)
}

// Press applies one keyboard command.
func (a *App) Press(k Key) {
	a.rev++
	s := a.Subject()
	switch {
	case k >= KeyPanel1 && k < KeyPanel1+Key(NumPanels):
		a.setPanel(Panel(k - KeyPanel1))
	case k == KeyNextPanel:
		a.setPanel((a.Panel + 1) % NumPanels)
	case k == KeyPrevPanel:
		a.setPanel((a.Panel + NumPanels - 1) % NumPanels)
	case k == KeySubject:
		a.stepSubject(1)
	case k == KeySubjectBack:
		a.stepSubject(-1)
	case k == KeyDownloadAll:
		a.downloadAll()
	case k == KeyROI || k == KeyROIBack:
		d := 1
		if k == KeyROIBack {
			d = sitedata.NumROIs - 1
		}
		a.ROI = (a.ROI + d) % sitedata.NumROIs
		a.replan()
		a.say("Region: %s. %s", a.ROILabel(), a.decodingNote())
	case k == KeyTrials || k == KeyTrialsBack:
		// Cycle all → subsets in order of decreasing trial count is the
		// exporter's order; we just walk −1, 0, …, R−1.
		n := s.R() + 1
		d := 1
		if k == KeyTrialsBack {
			d = n - 1
		}
		a.Subset = (a.Subset+1+d)%n - 1
		a.replan()
		a.say("Trials: %s per face. %s", a.TrialsLabel(), a.decodingNote())
	case k == KeyHelp:
		a.say("%s", Help)
	default:
		a.panelKey(k)
	}
}

func (a *App) setPanel(p Panel) {
	if p == a.Panel {
		a.say("%s panel.", p)
		return
	}
	a.Panel = p
	switch p {
	case PanelImagery:
		if !a.imageryReady || !a.ImageryImage.Ready {
			a.replanImageryFirst()
		}
		a.say("Imagery panel. %s", a.DescribeImagery())
	case PanelPairwise:
		a.say("Pairwise test. %s", a.DescribePair())
	case PanelGender:
		a.say("Gender panel. %s", a.DescribeGender())
	case PanelExplore:
		a.say("Explore panel. %s", a.DescribeExplore())
	case PanelAbout:
		a.say("About panel. %s", a.aboutShort())
	case PanelPattern:
		a.say("Pattern panel. %s", a.DescribePattern())
	default:
		a.say("%s panel. %s", p, a.DescribeFace(a.Sel))
	}
}

// replanImageryFirst moves the imagery work to the front of the queue.
func (a *App) replanImageryFirst() {
	// The imagery image waits for the latent batch (queued first); the
	// candidates need no decoding and can go ahead of everything.
	s := a.Subject()
	for i := s.N - 1; i >= 0; i-- {
		if !a.Candidates[i].Ready {
			a.sched.PushFront(&job{a: a, kind: jobCandidate, i: i})
		}
	}
}

func (a *App) panelKey(k Key) {
	n := a.N()
	switch a.Panel {
	case PanelFaces, PanelPattern, PanelGender:
		d := 0
		switch k {
		case KeyLeft:
			d = -1
		case KeyRight:
			d = 1
		case KeyUp:
			d = -5
		case KeyDown:
			d = 5
		}
		if d == 0 {
			return
		}
		a.selectFace(((a.Sel+d)%n + n) % n)
	case PanelPairwise:
		switch k {
		case KeyLeft, KeyRight:
			a.guess(k == KeyLeft)
		case KeyEnter:
			a.Game.next()
			a.say("%s", a.DescribePair())
		}
	case PanelExplore:
		switch k {
		case KeyLeft:
			a.MaleAmt = math.Max(-SliderMax, a.MaleAmt-SliderStep)
		case KeyRight:
			a.MaleAmt = math.Min(SliderMax, a.MaleAmt+SliderStep)
		case KeyUp:
			a.SmileAmt = math.Min(SliderMax, a.SmileAmt+SliderStep)
		case KeyDown:
			a.SmileAmt = math.Max(-SliderMax, a.SmileAmt-SliderStep)
		case KeyReset:
			a.MaleAmt, a.SmileAmt = 0, 0
		case KeyEnter:
			a.randomExplore()
		default:
			return
		}
		a.updateExplore()
		a.say("%s", a.DescribeExplore())
	case PanelImagery:
		// Nothing to choose: the ranking is the result.
	}
}

// randomExplore draws a new base latent from the spread of real latents.
func (a *App) randomExplore() {
	for d := range a.exploreBase {
		x := a.latMean[d] + a.latStd[d]*a.rng.NormFloat64()
		a.exploreBase[d] = float32(math.Max(-1, math.Min(1, x)))
	}
	a.updateExplore()
}

// updateExplore moves along the axes and queues the new image first.
func (a *App) updateExplore() {
	for d := range a.exploreZ {
		a.exploreZ[d] = a.exploreBase[d] + float32(a.MaleAmt)*a.Model.Male[d] + float32(a.SmileAmt)*a.Model.Smile[d]
	}
	a.exploreRev++
	if a.sched == nil {
		return
	}
	// A queued job that has not begun reads the latest latent when it does:
	// one is enough, however many changes come before it.
	if j := a.exploreJob; j != nil && j.phase < 2 && a.sched.Has(j) {
		return
	}
	a.queueExplore(true)
}

// ExploreLatent is the latent of the explore panel's face.
func (a *App) ExploreLatent() []float32 { return a.exploreZ }

// DecodedLatent returns ẑ of face i, valid once Decoded[i] or Ready says so.
func (a *App) DecodedLatent(i int) []float32 {
	l := a.Model.Latent()
	return a.zhat[i*l : (i+1)*l]
}

// latentDone is called when a decoded latent is complete.
func (a *App) latentDone() {
	for _, ok := range a.zReady {
		if !ok {
			return
		}
	}
	if !a.imageryReady {
		return
	}
	a.computeResults()
}

// announceResults says the view's results, once its faces are all drawn.
func (a *App) announceResults() {
	s := a.Subject()
	a.say("%s, %s, %s: %d faces decoded. Pairwise accuracy %.1f%% (%d of %d pairs); %d of %d faces ranked first; gender read-out %d of %d. %s",
		s.ID, a.ROILabel(), a.TrialsLabel(), s.N, 100*float64(a.PairCorrect)/float64(a.PairTotal), a.PairCorrect, a.PairTotal,
		a.countRank1(), s.N, a.GenderCorrect, s.N, a.DescribeImagery())
}

func (a *App) countRank1() int {
	c := 0
	for _, r := range a.Ranks {
		if r == 1 {
			c++
		}
	}
	return c
}

func (a *App) computeResults() {
	s := a.Subject()
	n, l := s.N, s.L
	corr := make([]float64, n*n)
	CorrMatrix(a.zhat, s.Latents, n, l, corr)
	a.PerFace = make([]int, n)
	a.PairCorrect, a.PairTotal = Pairwise(corr, n, a.PerFace)
	a.Ranks = make([]int, n)
	a.MaleDecoded, a.MaleTrue = make([]bool, n), make([]bool, n)
	a.GenderCorrect, a.GenderCeiling = 0, 0
	for i := range n {
		a.Ranks[i] = Rank(corr[i*n:(i+1)*n], i)
		male := s.Male[i] == 1
		a.MaleDecoded[i] = Project(a.DecodedLatent(i), a.Model.Male) > 0
		a.MaleTrue[i] = Project(s.Latent(i), a.Model.Male) > 0
		if a.MaleDecoded[i] == male {
			a.GenderCorrect++
		}
		if a.MaleTrue[i] == male {
			a.GenderCeiling++
		}
	}
	a.ImageryScores = make([]float64, n)
	for j := range n {
		a.ImageryScores[j] = Pearson(a.zImagery, s.ImageryLatent(j))
	}
	a.ImageryOrder = Order(a.ImageryScores)
	a.ImageryRank = Rank(a.ImageryScores, s.ImageryTarget)
	a.Corr = corr
}

// aboutShort is the spoken summary of the about panel (the page has the text).
func (a *App) aboutShort() string {
	return "VanRullen and Reddy (2019) decoded faces from fMRI through a VAE-GAN latent space. " +
		"The subjects here are virtual: simulated on the real protocol, not real brain data. " +
		"The full text, citation and CelebA terms are in the About section of the page."
}

// KeyFromName maps a DOM KeyboardEvent.key value (and the Shift state) to a
// command; KeyNone for keys the app does not use.
func KeyFromName(name string, shift bool) Key {
	pick := func(fwd, back Key) Key {
		if shift {
			return back
		}
		return fwd
	}
	switch name {
	case "ArrowLeft", "Left":
		return KeyLeft
	case "ArrowRight", "Right":
		return KeyRight
	case "ArrowUp", "Up":
		return KeyUp
	case "ArrowDown", "Down":
		return KeyDown
	case "Enter", " ", "Spacebar":
		return KeyEnter
	case "Tab":
		return pick(KeyNextPanel, KeyPrevPanel)
	case "s", "S":
		return pick(KeySubject, KeySubjectBack)
	case "r", "R":
		return pick(KeyROI, KeyROIBack)
	case "t", "T":
		return pick(KeyTrials, KeyTrialsBack)
	case "0":
		return KeyReset
	case "h", "H", "?":
		return KeyHelp
	case "d", "D":
		return KeyDownloadAll
	case "Escape", "Esc":
		return KeyLeave
	}
	if len(name) == 1 && name[0] >= '1' && int(name[0]-'1') < int(NumPanels) {
		return KeyPanel1 + Key(name[0]-'1')
	}
	return KeyNone
}
