package app

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"fmriface/neuro/lab"
)

// The Lab panel (issue 22): the learner designs the decoding experiment on a
// virtual subject and runs it in the page (package neuro/lab: simulate the
// responses, fit the encoding model, invert it, decode the 20 test faces,
// score them). Its files (index.json's lab: the base file, and the PCA
// latents where the site has them) download when the panel is first opened.
// Up and Down choose a knob, Left and Right change it, Enter runs (or
// cancels the run under way), P steps through the presets, each of which
// runs its question's settings over the values of one knob, building the
// curve of accuracy against that knob.

// LabState is where the Lab panel's data are.
type LabState int

const (
	LabAbsent      LabState = iota // the site's index lists no lab file
	LabWaiting                     // not asked for yet: opening the panel asks
	LabDownloading                 // asked for, not arrived yet
	LabFailed                      // the download failed; opening the panel again retries
	LabReady                       // loaded
)

func (s LabState) String() string {
	return [...]string{"absent", "waiting", "downloading", "failed", "ready"}[s]
}

// LabBudget is the lab's work for a frame while a run is under way, given
// the interval since the last frame. Its steps take at most about 10 ms,
// and the canvas is not redrawn during a run (the page shows its progress).
// In headless Chromium (software compositing, 2-core VM) 16 ms gave the
// default run in 2.3 s with its frames at 33 ms; 12 ms 2.8 s with the same
// frames; 24 ms, with redraws, 3.3 s. After a frame slower than 40 ms the
// browser has other work (after a redraw it presents the canvas for a few
// frames, a software read-back each): 16 ms of the lab on top made frames
// of 67 ms, in about one rerun in three, so such a frame gets 6 ms.
func LabBudget(gap time.Duration) time.Duration {
	if gap > labSlowFrame {
		return labSlowBudget
	}
	return labFrameBudget
}

const (
	labFrameBudget = 16 * time.Millisecond
	labSlowFrame   = 40 * time.Millisecond
	labSlowBudget  = 6 * time.Millisecond
)

// labPanel is the panel's state.
type labPanel struct {
	data      *lab.Data
	ses       *lab.Session
	cfg       lab.Config // the settings before the data arrive (a link's)
	linked    bool       // a link opened the panel: run once the data arrive
	asked     bool       // the base file was asked for (until LabFailed)
	failed    string
	pcaAsked  bool   // the PCA latents were asked for
	pcaFailed string // why their download failed
	wantPCA   bool   // the space knob asked for PCA before its latents arrived

	knob    int // the knob with the focus, an index into lab.Knobs
	preset  int // the preset chosen last, −1 none
	sweep   []float64
	job     *lab.Job
	started time.Time
	elapsed time.Duration // the last finished run's wall time
	longest time.Duration // the longest frame's lab work in the last run
	runs    int           // finished runs (the images' generation)

	shown, decoded []imageBuf // the test faces through the run's space: true and decoded latents
	shownSpace     string     // the space the shown faces were drawn in
	facesNote      string     // why the faces are not drawn, or ""
}

// OnNeedLab sets the host's function that downloads a lab file (the
// page's fmrifaceFetchLab(pca)): the base file, or with pca the PCA
// latents. It arrives through AddLab or AddLabPCA, or its failure through
// LabFailed.
func (a *App) OnNeedLab(f func(pca bool)) { a.onNeedLab = f }

// askLab asks the host for the base file, once until LabFailed.
func (a *App) askLab() {
	p := &a.lab
	if p.data != nil || p.asked || a.index == nil || a.index.Lab == nil {
		return
	}
	p.asked, p.failed = true, ""
	if a.onNeedLab != nil {
		a.onNeedLab(false)
	}
}

// askLabPCA asks for the PCA latents, once until LabFailed; false when the
// site has none.
func (a *App) askLabPCA() bool {
	p := &a.lab
	if a.index == nil || a.index.Lab == nil || a.index.Lab.PCA == nil {
		return false
	}
	if !p.pcaAsked && p.data != nil {
		p.pcaAsked, p.pcaFailed = true, ""
		if a.onNeedLab != nil {
			a.onNeedLab(true)
		}
	}
	return true
}

// AddLab gives the app the lab's base file (lab.DecodeBase). The settings a
// link asked for are applied (clamped to the data); if a link opened the
// panel, the run starts.
func (a *App) AddLab(d *lab.Data) error {
	if d == nil {
		return errors.New("demo: no lab data")
	}
	p := &a.lab
	if p.data != nil {
		return errors.New("demo: the lab data are already loaded")
	}
	a.rev++
	p.data, p.asked, p.failed = d, true, ""
	cfg := p.cfg
	if _, err := d.Subject(cfg.Subject); err != nil {
		cfg.Subject = d.Subjects[0].Name
	}
	cfg = d.Clamp(cfg)
	noPCA := false
	if cfg.Space == lab.SpacePCA {
		if _, ok := d.Latents[lab.SpacePCA]; !ok {
			cfg.Space, p.wantPCA = lab.SpaceVAEGAN, a.askLabPCA()
			noPCA = !p.wantPCA
		}
	}
	if err := cfg.Validate(d); err != nil {
		a.say("The lab cannot run the link's settings (%v); it starts from the opening experiment.", err)
		cfg = d.Clamp(lab.DefaultConfig(d.Subjects[0].Name))
		p.linked = false
	}
	p.ses = lab.NewSession(d, cfg)
	p.cfg = cfg
	if a.panel != PanelLab {
		return nil
	}
	if p.linked && noPCA {
		// Not the run the link asked for: say so rather than run another.
		p.linked = false
		a.say("Lab ready. The link asks for the PCA latent space, which this site's lab data do not have (a site exported with the PCA baseline has it; docs/teaching.md): its other settings are set with the VAE-GAN, and Enter runs them.")
		return nil
	}
	if p.linked && !p.wantPCA {
		p.linked = false
		a.startLab()
		return nil
	}
	a.say("Lab ready. %s", a.labIntro())
	return nil
}

// AddLabPCA adds the PCA latents (the lab-pca file) to the loaded data; if
// the space knob asked for them, PCA becomes the space.
func (a *App) AddLabPCA(name string, data []byte) error {
	p := &a.lab
	if p.data == nil {
		return fmt.Errorf("%s: the lab's PCA latents arrived before its data", name)
	}
	if err := p.data.AddPCA(name, data); err != nil {
		return err
	}
	a.rev++
	if p.wantPCA {
		p.wantPCA = false
		p.ses.Config.Space = lab.SpacePCA
		if p.linked && a.panel == PanelLab {
			p.linked = false
			a.startLab()
			return nil
		}
		a.say("The PCA latents have arrived. %s", p.ses.DescribeKnob("space"))
	}
	return nil
}

// LabFailed tells the app that a lab file could not be downloaded; opening
// the panel (or choosing PCA) again retries.
func (a *App) LabFailed(pca bool, err error) {
	a.rev++
	if pca {
		a.lab.pcaAsked, a.lab.pcaFailed, a.lab.wantPCA = false, err.Error(), false
		a.say("The lab's PCA latents could not be downloaded: %v. Choosing PCA again retries.", err)
		return
	}
	a.lab.asked, a.lab.failed = false, err.Error()
	a.say("The lab data could not be downloaded: %v. Opening the panel again retries.", err)
}

// labState is the base file's state.
func (a *App) labState() LabState {
	switch {
	case a.lab.data != nil:
		return LabReady
	case a.index == nil || a.index.Lab == nil:
		return LabAbsent
	case a.lab.asked:
		return LabDownloading
	case a.lab.failed != "":
		return LabFailed
	}
	return LabWaiting
}

// LabPending reports whether a lab file is downloading.
func (a *App) LabPending() bool {
	p := &a.lab
	return (p.data == nil && p.asked) || (p.pcaAsked && !a.labHasPCA())
}

func (a *App) labHasPCA() bool {
	if a.lab.data == nil {
		return false
	}
	_, ok := a.lab.data.Latents[lab.SpacePCA]
	return ok
}

// openLab is setPanel's part for the panel.
func (a *App) openLab() {
	a.askLab()
	switch a.labState() {
	case LabReady:
		if a.lab.linked {
			a.lab.linked = false
			a.startLab()
			return
		}
		a.say("Lab panel. %s", a.labIntro())
	case LabAbsent:
		a.say("Lab panel. This site's data have no lab file (the exporter writes it with --lab, see docs/site-data.md).")
	default:
		a.say("Lab panel. Downloading the lab's data (%s: stimulus features, the faces' latents and the virtual subjects' voxels, no face photos); the panel is ready when they arrive.",
			megabytes(a.index.Lab.Bytes))
	}
}

// labIntro says what the panel does and which keys do it.
func (a *App) labIntro() string {
	return "Design a decoding experiment on a virtual subject (simulated, not real fMRI) and run it here. " +
		a.labSettings() + " Up and Down choose a knob, Left and Right change it, Enter runs or cancels, P chooses a preset experiment."
}

// labSettings is the current settings in one sentence.
func (a *App) labSettings() string {
	s := a.lab.ses
	if s == nil {
		return ""
	}
	var parts []string
	for _, k := range lab.Knobs {
		if k == lab.KnobLambda && s.Config.Decoder != lab.DecoderRidge {
			continue
		}
		parts = append(parts, strings.TrimSuffix(s.DescribeKnob(k), "."))
	}
	return "Settings: " + strings.Join(parts, "; ") + "."
}

// labKey answers the panel's keys.
func (a *App) labKey(k Key) {
	p := &a.lab
	if p.ses == nil {
		if k == KeyEnter {
			a.openLab()
		}
		return
	}
	switch k {
	case KeyUp, KeyDown:
		d := 1
		if k == KeyUp {
			d = -1
		}
		p.knob = (p.knob + d + len(lab.Knobs)) % len(lab.Knobs)
		a.say("%s", a.labKnobSentence(p.knob))
	case KeyLeft, KeyRight:
		d := 1
		if k == KeyLeft {
			d = -1
		}
		a.labStep(p.knob, d)
	case KeyEnter:
		if p.job != nil {
			a.cancelLab()
			return
		}
		p.sweep = nil
		a.startLab()
	case KeyPreset:
		a.ChoosePreset((p.preset + 1) % len(lab.Presets()))
	case KeyPresetBack:
		n := len(lab.Presets())
		a.ChoosePreset((max(p.preset, 0) + n - 1) % n)
	}
}

// labKnobSentence names knob i with its value, as the focus moves to it.
func (a *App) labKnobSentence(i int) string {
	k := lab.Knobs[i]
	return fmt.Sprintf("%s (knob %d of %d): %s", LabKnobName(k), i+1, len(lab.Knobs), a.lab.ses.DescribeKnob(k))
}

// labStep moves knob i one step (a click on its arrows, or Left/Right).
// Choosing PCA before its latents are here downloads them.
func (a *App) labStep(i, dir int) {
	p := &a.lab
	p.knob = i
	knob := lab.Knobs[i]
	if knob == "space" && p.ses.Config.Space == lab.SpaceVAEGAN && !a.labHasPCA() {
		if !a.askLabPCA() {
			a.say("This site's lab data have no PCA latents (the exporter writes them with --pca; docs/site-data.md): the lab decodes into the VAE-GAN only here.")
			return
		}
		p.wantPCA = true
		a.say("Downloading the lab's PCA latents (%s); PCA becomes the space when they arrive.", megabytes(a.index.Lab.PCA.Bytes))
		return
	}
	a.say("%s", p.ses.Step(knob, dir))
}

// SelectLabKnob points at knob i's arrows: dir −1 or +1 changes it, 0 only
// gives it the focus (a click on its name). Out of range is ignored.
func (a *App) SelectLabKnob(i, dir int) {
	if a.lab.ses == nil || i < 0 || i >= len(lab.Knobs) {
		return
	}
	a.rev++
	if dir == 0 {
		a.lab.knob = i
		a.say("%s", a.labKnobSentence(i))
		return
	}
	a.labStep(i, dir)
}

// ChoosePreset sets preset i's settings on the current subject and runs
// them over the preset's values (−1 clears the choice). Out of range is
// ignored.
func (a *App) ChoosePreset(i int) {
	p := &a.lab
	ps := lab.Presets()
	if p.ses == nil || i < -1 || i >= len(ps) {
		return
	}
	a.rev++
	p.preset = i
	if i < 0 {
		a.say("No preset: the knobs are yours.")
		return
	}
	pr := ps[i]
	cfg := p.data.Clamp(pr.Config(p.ses.Config.Subject))
	if cfg.Space == lab.SpacePCA && !a.labHasPCA() {
		if !a.askLabPCA() {
			a.say("Preset %d, %q, needs the PCA latents, which this site's lab data do not have.", i+1, pr.Question)
			return
		}
		p.wantPCA = true
		cfg.Space = lab.SpaceVAEGAN
		p.ses.Config = cfg
		a.say("Preset %d: %s Downloading the PCA latents first (%s); press Enter once they have arrived.", i+1, pr.Question, megabytes(a.index.Lab.PCA.Bytes))
		return
	}
	var vals []float64
	for _, v := range pr.Values {
		c := cfg.SetKnob(pr.Vary, v)
		if c = p.data.Clamp(c); c.Validate(p.data) == nil && (len(vals) == 0 || c.KnobValue(pr.Vary) != vals[len(vals)-1]) {
			vals = append(vals, c.KnobValue(pr.Vary))
		}
	}
	if len(vals) == 0 {
		a.say("Preset %d, %q, cannot run on this site's data.", i+1, pr.Question)
		return
	}
	p.ses.Config = p.data.Clamp(cfg.SetKnob(pr.Vary, vals[0]))
	p.ses.Curve = lab.Curve{}
	p.sweep = vals[1:]
	for k, name := range lab.Knobs {
		if name == pr.Vary {
			p.knob = k
		}
	}
	if err := a.beginLab(); err != nil {
		a.say("Preset %d, %q, cannot run: %v.", i+1, pr.Question, err)
		return
	}
	a.say("Preset %d: %s Running %d settings of %s: %s. Enter cancels.", i+1, pr.Question, len(vals), LabKnobName(pr.Vary), joinFloats(vals))
}

func joinFloats(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprint(x)
	}
	return strings.Join(s, ", ")
}

// startLab starts a run of the current settings and says so.
func (a *App) startLab() {
	if err := a.beginLab(); err != nil {
		a.say("The lab cannot run: %v.", err)
		return
	}
	a.say("Running: %s Enter cancels.", a.labSettings())
}

// beginLab starts a run of the current settings.
func (a *App) beginLab() error {
	p := &a.lab
	j, err := p.ses.Start()
	if err != nil {
		p.sweep = nil
		return err
	}
	p.job, p.started, p.longest = j, a.now(), 0
	a.rev++
	return nil
}

// cancelLab drops the run under way (and the rest of a preset's values).
func (a *App) cancelLab() {
	p := &a.lab
	if p.job == nil {
		return
	}
	p.ses.Cancel()
	p.job, p.sweep = nil, nil
	a.rev++
	a.say("Run cancelled.")
}

// LabRunning reports whether a lab run is under way.
func (a *App) LabRunning() bool { return a.lab.job != nil }

// labWork steps the run under way for at most budget (one step at least);
// at its end the result is announced, its faces queued, and a preset's
// next value started.
func (a *App) labWork(budget time.Duration) {
	p := &a.lab
	if p.job == nil {
		return
	}
	start := a.now()
	ended := false
	for !ended {
		ended = p.job.Step()
		if a.now().Sub(start) >= budget {
			break
		}
	}
	p.longest = max(p.longest, a.now().Sub(start))
	a.rev++
	if !ended {
		return
	}
	j := p.job
	p.job = nil
	p.elapsed = a.now().Sub(p.started)
	msg := p.ses.Finish(j)
	if p.ses.Last == nil || p.ses.Err != nil {
		p.sweep = nil
		a.say("%s", msg)
		return
	}
	p.runs++
	a.queueLabFaces()
	if len(p.sweep) > 0 {
		next := p.sweep[0]
		p.sweep = p.sweep[1:]
		knob := lab.Presets()[max(p.preset, 0)].Vary
		p.ses.Config = p.data.Clamp(p.ses.Config.SetKnob(knob, next))
		if err := a.beginLab(); err != nil {
			a.say("%s The next run cannot start: %v.", msg, err)
			return
		}
		a.say("%s Next: %s %g.", msg, LabKnobName(knob), next)
		return
	}
	a.say("%s (%.1f s)", msg, p.elapsed.Seconds())
}

// queueLabFaces queues the last run's faces: the 20 test faces through the
// run's space (true latents, drawn again only when the space changed) and
// their decoded latents.
func (a *App) queueLabFaces() {
	p := &a.lab
	r := p.ses.Last
	space := r.Config.Space
	p.facesNote = ""
	if space == lab.SpacePCA && a.cmp.dec == nil {
		if a.index == nil || a.index.PCA == nil {
			p.facesNote = "This site's data have no PCA face space to draw PCA latents with (docs/site-data.md): the accuracies are the run's, the faces are not drawn."
			return
		}
		a.askPCA("", false)
		p.facesNote = "Downloading the PCA face space to draw the faces…"
		return
	}
	p.shown = a.images(p.shown, lab.TestFaces)
	p.decoded = a.images(p.decoded, lab.TestFaces)
	for i := range p.decoded {
		p.decoded[i].ready = false
	}
	if p.shownSpace != space {
		for i := range p.shown {
			p.shown[i].ready = false
		}
		p.shownSpace = space
		for i := range lab.TestFaces {
			a.sched.Push(&labFaceJob{a: a, i: i, shown: true, space: space})
		}
	}
	for i := range lab.TestFaces {
		a.sched.Push(&labFaceJob{a: a, run: p.runs, i: i, space: space})
	}
}

// labFaceJob draws one face of a lab run: test face i's true latent
// (shown: the same for every run in the space) or run run's decoded latent,
// through the space.
type labFaceJob struct {
	a      *App
	run, i int
	shown  bool
	space  string
	begun  bool
}

// Step implements Job.
func (j *labFaceJob) Step() bool {
	a, p := j.a, &j.a.lab
	r := p.ses.Last
	if r == nil || (j.shown && p.shownSpace != j.space) || (!j.shown && j.run != p.runs) {
		return true // a later run (or space) replaced it
	}
	d := p.data
	P := d.P
	var im *imageBuf
	var z []float32
	if j.shown {
		im, z = &p.shown[j.i], d.Latents[j.space][(d.Train+j.i)*P:(d.Train+j.i+1)*P]
	} else {
		im, z = &p.decoded[j.i], r.Decoded[j.i*P:(j.i+1)*P]
	}
	if j.space == lab.SpacePCA {
		if err := a.cmp.dec.Image(z, im.rgba); err != nil {
			p.facesNote = err.Error()
			return true
		}
	} else {
		if len(z) != a.model.Latent() {
			p.facesNote = fmt.Sprintf("The lab's latents have %d dimensions, the face model %d: the faces cannot be drawn.", len(z), a.model.Latent())
			return true
		}
		if !j.begun {
			if err := a.model.Gen.Begin(z); err != nil {
				p.facesNote = err.Error()
				return true
			}
			j.begun = true
			return false
		}
		if !a.model.Gen.Step() {
			return false
		}
		if err := ToRGBA(a.model.Gen.Image(), a.model.ImageSize(), im.rgba); err != nil {
			p.facesNote = err.Error()
			return true
		}
	}
	im.ready = true
	im.version++
	a.rev++
	return true
}

// LabKnobName names a knob for people.
func LabKnobName(k string) string {
	switch k {
	case lab.KnobTrain:
		return "training faces"
	case lab.KnobReps:
		return "repetitions"
	case lab.KnobNoise:
		return "noise"
	case lab.KnobVoxels:
		return "voxels"
	case lab.KnobLambda:
		return "ridge λ"
	case "space":
		return "latent space"
	}
	return k
}

// LabView is what the Lab panel shows, for the frame being drawn.
type LabView struct {
	State  LabState
	Bytes  int64  // the base file's size
	Failed string // why its last download failed

	Config   lab.Config
	Knob     int      // the knob with the focus
	Values   []string // each knob's value, short, in lab.Knobs' order
	Enabled  []bool   // whether the knob applies (λ only with ridge)
	Running  bool
	Progress float64 // of the run under way, 0…1
	Stage    string
	Sweep    int // values of the preset still to run after this one
	Preset   int // the preset chosen last, −1 none

	Last    *lab.Result // the last finished run (nil before one)
	Elapsed time.Duration
	Curve   lab.Curve
	Err     string // the last run's failure or the last knob's refusal

	FacesNote string // why the faces are not drawn, or ""
	HasPCA    bool   // the PCA latents are loaded
}

// LabStatus is the part of LabView the page publishes every frame, without
// the knobs' texts, which Lab formats anew each call.
type LabStatus struct {
	State    LabState
	Running  bool
	Progress float64
	Elapsed  time.Duration // the last finished run's wall time
}

// LabStatus returns the Lab's state, the run under way and the last run's
// time.
func (a *App) LabStatus() LabStatus {
	st := LabStatus{State: a.labState(), Elapsed: a.lab.elapsed}
	if a.lab.ses != nil {
		st.Running, st.Progress, _ = a.lab.ses.Running()
	}
	return st
}

// Lab returns what the Lab panel shows now.
func (a *App) Lab() LabView {
	p := &a.lab
	v := LabView{State: a.labState(), Failed: p.failed, Knob: p.knob, Preset: p.preset, Elapsed: p.elapsed,
		FacesNote: p.facesNote, HasPCA: a.labHasPCA(), Sweep: len(p.sweep)}
	if a.index != nil && a.index.Lab != nil {
		v.Bytes = a.index.Lab.Bytes
	}
	if p.ses == nil {
		v.Config = p.cfg
		return v
	}
	s := p.ses
	v.Config, v.Curve, v.Last = s.Config, s.Curve, s.Last
	if s.Err != nil {
		v.Err = s.Err.Error()
	}
	v.Running, v.Progress, v.Stage = s.Running()
	for _, k := range lab.Knobs {
		v.Values = append(v.Values, a.labValue(k))
		v.Enabled = append(v.Enabled, k != lab.KnobLambda || s.Config.Decoder == lab.DecoderRidge)
	}
	return v
}

// LabShown and LabDecoded are test face i of the last run through its
// space: its true latent, and its decoded latent.
func (a *App) LabShown(i int) Image {
	if i < 0 || i >= len(a.lab.shown) {
		return Image{}
	}
	return a.lab.shown[i].handle()
}

// LabDecoded: see LabShown.
func (a *App) LabDecoded(i int) Image {
	if i < 0 || i >= len(a.lab.decoded) {
		return Image{}
	}
	return a.lab.decoded[i].handle()
}

// labValue is knob k's value, short, for the knob list.
func (a *App) labValue(k string) string {
	s := a.lab.ses
	c := s.Config
	switch k {
	case "subject":
		return c.Subject
	case "space":
		return map[string]string{lab.SpaceVAEGAN: "VAE-GAN", lab.SpacePCA: "PCA"}[c.Space]
	case lab.KnobTrain:
		return fmt.Sprint(c.Train)
	case lab.KnobReps:
		return fmt.Sprint(c.Reps)
	case lab.KnobNoise:
		return fmt.Sprint(c.Noise)
	case "region":
		return c.Region
	case lab.KnobVoxels:
		if c.Voxels == 0 {
			sub, err := s.Data.Subject(c.Subject)
			if err != nil {
				return "all"
			}
			return fmt.Sprintf("all %d", sub.RegionVoxels(c.Region))
		}
		return fmt.Sprint(c.Voxels)
	case "decoder":
		if c.Decoder == lab.DecoderRidge {
			return "ridge"
		}
		return "inversion"
	case lab.KnobLambda:
		if c.Decoder != lab.DecoderRidge {
			return "-"
		}
		return fmt.Sprint(c.Lambda)
	case "seed":
		return fmt.Sprint(c.Seed)
	}
	return ""
}

// LabSummary is the last run's summary (lab.Result.Summarize), for the page
// to publish; false before a run.
func (a *App) LabSummary() (lab.Summary, bool) {
	if a.lab.ses == nil || a.lab.ses.Last == nil {
		return lab.Summary{}, false
	}
	return a.lab.ses.Last.Summarize(), true
}

// LabLongestWork is the longest frame's lab work during the last run (the
// page's frame-time check reads it beside the browser's frame times).
func (a *App) LabLongestWork() time.Duration { return a.lab.longest }

// LabRuns is the number of finished lab runs.
func (a *App) LabRuns() int { return a.lab.runs }

// openLabLink opens the lab at a link's settings: they run as soon as the
// data are here (at once if they are).
func (a *App) openLabLink(v View) (problems []string) {
	p := &a.lab
	cfg := v.Lab
	if cfg.Subject == "" {
		cfg.Subject = a.index.Subjects[0].ID
	}
	p.linked = true
	if p.ses == nil {
		p.cfg = cfg
	} else {
		p.sweep = nil
		c := p.data.Clamp(cfg)
		if err := c.Validate(p.data); err != nil {
			problems = append(problems, fmt.Sprintf("lab settings: %v", err))
			p.linked = false
		} else {
			p.ses.Config = c
		}
	}
	if a.panel == PanelLab {
		a.openLab()
	} else {
		a.setPanel(PanelLab)
	}
	return problems
}
