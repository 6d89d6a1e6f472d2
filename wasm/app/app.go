package app

import (
	"fmriface/contract/sitedata"
	"fmriface/infer/site"
	"fmriface/neuro/lab"
	"fmt"
	"math/rand/v2"
	"time"
)

// App is the whole interactive state of the app, without any drawing. Its
// fields are unexported: a view reads the state through the accessors here
// and the panels' view models (App.Faces, App.Pairwise, …), and changes it
// only through Press, Point, Drag, SelectFace and Open, and the host's calls
// (AddSubject, RegionsAdded, NeedFailed, Update).
type App struct {
	// The loaded data, read-only once loaded (index.json, the generator
	// and the subjects downloaded so far).
	index    *sitedata.Index
	model    *site.Model
	subjects []*site.Subject

	// The machinery: the clock, the queued work, the decoder, the random
	// draws (explore faces, the pairwise game's order).
	now   func() time.Time
	sched *Scheduler
	dec   *Decoder
	rng   *rand.Rand

	// The view on screen (panel.go, selection.go); a link names the same
	// (link.go).
	panel  Panel
	sub    int // index into subjects
	roi    int // 0 all, 1 occipital, 2 temporal, 3 frontoparietal
	subset int // −1: all trials; else a fewer-trials subset
	sel    int // the chosen test face

	// The view's test faces and their decoded latents, which every panel
	// but explore shows (plan.go queues them, job.go computes them).
	shown       []imageBuf // generator(true latent) of each test face
	decoded     []imageBuf // generator(ẑ) of each decoded pattern
	zall        []float32  // (N+1)×L: the test faces' latents, then the imagery latent
	zhat        []float32  // zall[:N·L]
	zReady      []bool
	latentShare time.Duration // the batch decode's time per pattern

	// Each panel's own state, in the panel's file.
	faces   faceScores    // faces.go: the scores of the decoded faces
	pattern patternPanel  // pattern.go: the slice mosaic
	pair    pairwiseGame  // pairwise.go: the game
	gender  genderReadout // gender.go: the read-out along axis.male
	imagery imageryPanel  // imagery.go: the imagery face and its candidates
	explore explorer      // explore.go: the random face and its sliders
	real    realPanel     // real.go: the real fMRI slice and its decoding
	cmp     comparison    // compare.go: the PCA faces beside the VAE-GAN's
	results resultsPanel  // results.go: the subject's measures against the paper's
	lab     labPanel      // lab.go: the learner's own decoding experiment

	// Downloads on demand (downloads.go). awaitRegions: the current
	// region's decoder is still downloading, so the view decodes nothing
	// until RegionsAdded. onNeed asks the host for a file; each is asked
	// for once (requested), until NeedFailed. pendingSub is the subject S
	// chose that is still downloading; the app switches to it when it
	// arrives.
	awaitRegions bool
	onNeed       func(id string, regions bool)
	requested    map[need]bool
	pendingSub   string
	onNeedReal   func()                        // asks the host for the realbrain file (real.go)
	onNeedPCA    func(id string, regions bool) // asks the host for a PCA file (compare.go)
	onNeedLab    func(pca bool)                // asks the host for a lab file (lab.go)

	firstFace time.Duration // from NewApp to the first decoded face; 0 until then
	started   time.Time
	message   string
	messageN  int

	// rev counts the changes a view may show (see Rev).
	rev int
}

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
		index: ix, model: m, subjects: subs,
		now: now, sched: NewScheduler(now), dec: NewDecoder(m, maxV),
		rng: rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15)), subset: -1,
		started: now(),
	}
	a.explore = newExplorer(m.Latent(), a.newRGBA())
	a.explore.learnSpread(a.subjects, m.Latent())
	a.randomExplore()
	a.selectSubject(0)
	a.lab.preset = -1
	a.lab.cfg = lab.DefaultConfig(subs[0].ID)
	return a, nil
}

// OnNeed sets the host's download function: the app calls it for a file it
// wants, a subject's bundle or, with regions, its regions file. The page
// starts with the first subject's bundle only; every other file is fetched
// when a view needs it (or all of them, for KeyDownloadAll), so a visit that
// stays with one subject downloads that subject only. Each file is asked for
// once, until NeedFailed; it arrives through AddSubject or RegionsAdded.
func (a *App) OnNeed(f func(id string, regions bool)) { a.onNeed = f }

// AddSubject adds a subject that finished downloading after the app started
// (the page loads the first subject before starting and the others when they
// are needed). If S chose it, the app switches to it.
func (a *App) AddSubject(s *site.Subject) error {
	if s.L != a.model.Latent() {
		return fmt.Errorf("demo: subject %s decodes to %d latent dimensions, the model has %d", s.ID, s.L, a.model.Latent())
	}
	for _, t := range a.subjects {
		if t.ID == s.ID {
			return fmt.Errorf("demo: subject %s is already loaded", s.ID)
		}
	}
	a.dec.growVoxels(s.V)
	a.subjects = append(a.subjects, s)
	a.rev++
	a.explore.learnSpread(a.subjects, a.model.Latent())
	if s.ID == a.pendingSub {
		a.pendingSub = ""
		a.selectSubject(len(a.subjects) - 1)
		a.saySubject()
		return nil
	}
	a.say("Subject %s is ready (%d of %d subjects loaded); press S to switch.", s.ID, len(a.subjects), max(len(a.subjects), len(a.index.Subjects)))
	return nil
}

// RegionsAdded tells the app that s now has its regions file
// (Subject.AddRegions: the region decoders and, where the subject bundle
// left them out, the fewer-trial patterns): a view that was waiting for it
// is decoded.
func (a *App) RegionsAdded(s *site.Subject) {
	a.rev++
	if s != a.Subject() || !a.awaitRegions || !viewHere(s, a.roi, a.subset) {
		return
	}
	a.replan()
	a.say("The region decoders of %s have arrived. Region: %s, %s. Decoding…", s.ID, a.ROILabel(), a.TrialsLabel())
}

// Index is the site's index.json. The loaded data (Index, Model, Subject)
// is read-only: the caller must not modify it.
func (a *App) Index() *sitedata.Index { return a.index }

// Model is the generator and its axes.
func (a *App) Model() *site.Model { return a.model }

// Subject is the current subject.
func (a *App) Subject() *site.Subject { return a.subjects[a.sub] }

// SubjectByID returns the loaded subject with that id, or nil.
func (a *App) SubjectByID(id string) *site.Subject {
	for _, s := range a.subjects {
		if s.ID == id {
			return s
		}
	}
	return nil
}

// SubjectsLoaded is the number of subjects downloaded so far.
func (a *App) SubjectsLoaded() int { return len(a.subjects) }

// N is the number of test faces of the current subject.
func (a *App) N() int { return a.Subject().N }

// Shown is test face i as shown to the subject: generator(true latent).
func (a *App) Shown(i int) Image { return a.shown[i].handle() }

// Decoded is test face i as decoded from its pattern: generator(ẑ).
func (a *App) Decoded(i int) Image { return a.decoded[i].handle() }

// DecodedLatent returns ẑ of face i, valid once Decoded(i) or Ready says so.
func (a *App) DecodedLatent(i int) []float32 {
	l := a.model.Latent()
	return a.zhat[i*l : (i+1)*l]
}

// Ready reports whether every test face of the current view has its decoded
// latent, so that the results (the scores of the panels) are valid.
func (a *App) Ready() bool { return a.faces.corr != nil }

// FirstFace is the time from NewApp to the first decoded face; 0 until then.
func (a *App) FirstFace() time.Duration { return a.firstFace }

// Busy reports whether work is queued.
func (a *App) Busy() bool { return a.sched.Len() > 0 || a.lab.job != nil }

// Update does queued work for at most about budget (one slice at least).
// With nothing queued it spends the budget dequantizing the subjects'
// decoders (ROI.Materialize), the current view's first, so that later
// decodes read them directly.
func (a *App) Update(budget time.Duration) {
	start := a.now()
	if a.lab.job != nil {
		// A lab run takes the frame (LabBudget), the faces' queue after
		// it.
		a.labWork(budget)
		return
	}
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
		if !s.ROIs[a.roi].Complete() {
			s.ROIs[a.roi].Materialize(materializeRows)
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
	for _, s := range a.subjects {
		if step(s) {
			return true
		}
	}
	return false
}

// Rev returns a counter that changes whenever something on screen may have
// changed: a key, a message, a subject or decoder that arrived, a step of
// queued work. A view that drew at this Rev need not draw again, which
// spares the browser the canvas's per-frame copy (where it composites in
// software, that copy costs more than the frame's own work).
func (a *App) Rev() int { return a.rev }

// Message returns the latest description for the live region and a counter
// that changes whenever a new one is set.
func (a *App) Message() (string, int) { return a.message, a.messageN }

func (a *App) say(format string, args ...any) {
	a.message = fmt.Sprintf(format, args...)
	a.messageN++
	a.rev++
}
