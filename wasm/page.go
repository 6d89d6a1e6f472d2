//go:build js && wasm

package main

import (
	"encoding/json"
	"net/url"
	"runtime"
	"runtime/debug"
	"strings"
	"syscall/js"
	"time"

	"fmriface/contract/sitedata"
	"fmriface/wasm/app"
)

// page is the glue to the HTML page.
type page struct {
	global  js.Value
	live    js.Value
	status  js.Value
	lastN   int // the app's message count at the last sync
	lastRev int // the app's Rev at the last sync
	labRuns int // the lab's runs at the last memory reading
	// labBar is the page's progress element for a lab run, and labShown
	// its last value in hundredths (−1 hidden): the DOM is touched only
	// when that changes.
	labBar   js.Value
	labShown int
	// labWasRunning: a lab run was under way at the last sync; its start
	// and end are marked (labRunStartMs, labRunEndMs) for the benchmark,
	// which tells the frames of a run from those around it.
	labWasRunning bool
	// faceDecoded: firstFacePageMs is marked (a Go flag, since sync runs
	// every busy frame and would otherwise read the JS property each time).
	faceDecoded bool
	// keys queues commands from the canvas's keydown events. The page
	// listens itself rather than polling Ebiten's key state once a frame,
	// so that a press and release within one slow frame is not lost and
	// held arrows repeat.
	keys  chan app.Key
	onKey js.Func
	// app is the running app, once loaded: the key handler asks it which
	// keys leave it for the page (App.LeavesApp). Handlers run between the
	// game loop's frames (js/wasm has one thread), so the read is safe.
	app *app.App
	// pointers queues the canvas's pointer events (mouse, touch, pen), for
	// the same reason: a tap shorter than a slow frame is not lost.
	pointers  chan pointerEvent
	onPointer js.Func
	// subjects queues bundles that finished downloading after the start.
	subjects chan file
	onAdd    js.Func
	onFail   js.Func
	// onAddReal and onRealFail take the realbrain file (or its failure)
	// into the same queue.
	onAddReal  js.Func
	onRealFail js.Func
	// progress carries the bytes of the download under way (got, total),
	// from fmrifaceProgress, for the status line.
	progress   chan download
	onProgress js.Func
	// gcPercent is the collector's setting, off during start-up.
	gcPercent int
	// query is the address's parameters, read once at the start, and view
	// the view the address shows (followLink).
	query url.Values
	view  app.View
	// memProbe (?memprobe=1, for the Lab's benchmark only) collects
	// garbage before the heap is read at the end of each lab run, so that
	// the reading is the live heap: a leak shows as growth, garbage not.
	memProbe bool
}

// pointerEvent is a pointer pressed, moved, released or cancelled on the
// canvas, at (x, y) in CSS pixels from its top-left corner.
type pointerEvent struct {
	kind pointerKind
	x, y float64
	id   int
}

type pointerKind int

const (
	pointerDown pointerKind = iota
	pointerMove
	pointerUp
	pointerCancel
	pointerLeave // the mouse left the canvas
)

// download is the progress of the file the page is downloading for the app.
type download struct{ got, total int64 }

type file struct {
	name      string
	data      []byte
	regionsOf string // the subject id when this is a regions file
	// failed, when set, says that the download of subject id (its regions
	// file if regions) failed: fmrifaceNeedFailed(id, regions, message).
	// Failures share the arrivals' queue so that the app sees both in the
	// order they happened.
	failed  string
	id      string
	regions bool
	// real: the realbrain file (fmrifaceAddReal), or its failure
	// (fmrifaceRealFailed) when failed is set.
	real bool
	// pca: a PCA file (fmrifaceAddPCA(name, bytes, id, regions): id "" is
	// the PCA bundle), or its failure (fmrifacePCAFailed(id, regions,
	// message)) when failed is set; id and regions say which.
	pca bool
	// lab: a lab file (fmrifaceAddLab(name, bytes, pca)), or its failure
	// (fmrifaceLabFailed(pca, message)) when failed is set; regions says
	// it is the PCA latents' file.
	lab bool
}

// fetch asks the page to download a subject's bundle or regions file
// (app.App.OnNeed); it arrives through fmrifaceAddSubject, or its failure
// through fmrifaceNeedFailed.
func (p *page) fetch(id string, regions bool) {
	if f := p.global.Get("fmrifaceFetch"); f.Type() == js.TypeFunction {
		f.Invoke(id, regions)
	}
}

// fetchReal asks the page to download the realbrain file (app.App.OnNeedReal);
// it arrives through fmrifaceAddReal, or its failure through
// fmrifaceRealFailed.
func (p *page) fetchReal() {
	if f := p.global.Get("fmrifaceFetchReal"); f.Type() == js.TypeFunction {
		f.Invoke()
	}
}

// fetchPCA asks the page to download a PCA file (app.App.OnNeedPCA: id ""
// is the PCA bundle); it arrives through fmrifaceAddPCA, or its failure
// through fmrifacePCAFailed.
func (p *page) fetchPCA(id string, regions bool) {
	if f := p.global.Get("fmrifaceFetchPCA"); f.Type() == js.TypeFunction {
		f.Invoke(id, regions)
	}
}

// fetchLab asks the page to download a lab file (app.App.OnNeedLab): the
// base file, or with pca the PCA latents; it arrives through
// fmrifaceAddLab, or its failure through fmrifaceLabFailed.
func (p *page) fetchLab(pca bool) {
	if f := p.global.Get("fmrifaceFetchLab"); f.Type() == js.TypeFunction {
		f.Invoke(pca)
	}
}

func newPage() *page {
	g := js.Global()
	p := &page{global: g, live: g.Get("document").Call("getElementById", "live"), keys: make(chan app.Key, 64)}
	p.status = g.Get("Object").New()
	g.Set("fmrifaceStatus", p.status)
	p.listenKeys()
	p.listenArrivals()
	p.listenProgress()
	return p
}

// listenKeys queues the canvas's keys (the document's, without a canvas),
// and hands those that leave the app to the page (app.App.LeavesApp).
func (p *page) listenKeys() {
	g := p.global
	p.onKey = js.FuncOf(func(this js.Value, args []js.Value) any {
		e := args[0]
		if e.Get("ctrlKey").Bool() || e.Get("metaKey").Bool() || e.Get("altKey").Bool() {
			return nil // browser shortcuts stay the browser's
		}
		k := app.KeyFromName(e.Get("key").String(), e.Get("shiftKey").Bool())
		if k == app.KeyNone {
			return nil
		}
		e.Call("preventDefault")
		if p.app != nil && len(p.keys) == 0 && p.app.LeavesApp(k) {
			// The page moves the focus on along its tab order (Ebiten
			// cancels every key's default action on its canvas, Tab's too).
			if f := g.Get("fmrifaceLeave"); f.Type() == js.TypeFunction {
				f.Invoke(k != app.KeyPrevPanel)
			}
			return nil
		}
		if e.Get("repeat").Bool() && k != app.KeyLeft && k != app.KeyRight && k != app.KeyUp && k != app.KeyDown {
			return nil
		}
		select {
		case p.keys <- k:
		default: // a full queue drops keys rather than block the page
		}
		return nil
	})
	if c := g.Get("document").Call("querySelector", "canvas"); c.Truthy() {
		c.Call("addEventListener", "keydown", p.onKey)
		p.listenPointers(c)
	} else {
		g.Get("document").Call("addEventListener", "keydown", p.onKey)
	}
}

// listenArrivals queues the files the page downloaded for the app after
// the start, and the failures of those downloads, in the order they
// happened.
func (p *page) listenArrivals() {
	p.subjects = make(chan file, 64)
	// fmrifaceAddSubject(name, bytes[, subjectID]) hands over a subject's
	// bundle, or with subjectID that subject's regions file.
	p.onAdd = js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) < 2 {
			return nil
		}
		f := file{name: args[0].String(), data: make([]byte, args[1].Get("byteLength").Int())}
		if len(args) > 2 && args[2].Type() == js.TypeString {
			f.regionsOf = args[2].String()
		}
		js.CopyBytesToGo(f.data, args[1])
		select {
		case p.subjects <- f:
		default:
			p.say(f.name + ": too many subjects queued; ignored")
		}
		return nil
	})
	p.global.Set("fmrifaceAddSubject", p.onAdd)
	p.onFail = js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) < 3 {
			return nil
		}
		f := file{id: args[0].String(), regions: args[1].Truthy(), failed: args[2].String()}
		select {
		case p.subjects <- f:
		default:
		}
		return nil
	})
	p.global.Set("fmrifaceNeedFailed", p.onFail)
	// fmrifaceAddReal(name, bytes) hands over the realbrain file;
	// fmrifaceRealFailed(message) says its download failed.
	p.onAddReal = js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) < 2 {
			return nil
		}
		f := file{name: args[0].String(), data: make([]byte, args[1].Get("byteLength").Int()), real: true}
		js.CopyBytesToGo(f.data, args[1])
		select {
		case p.subjects <- f:
		default:
		}
		return nil
	})
	p.global.Set("fmrifaceAddReal", p.onAddReal)
	p.onRealFail = js.FuncOf(func(this js.Value, args []js.Value) any {
		msg := "unknown error"
		if len(args) > 0 {
			msg = args[0].String()
		}
		select {
		case p.subjects <- file{real: true, failed: msg}:
		default:
		}
		return nil
	})
	p.global.Set("fmrifaceRealFailed", p.onRealFail)
	// fmrifaceAddPCA(name, bytes, id, regions) hands over a PCA file;
	// fmrifacePCAFailed(id, regions, message) says its download failed.
	p.global.Set("fmrifaceAddPCA", js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) < 4 {
			return nil
		}
		f := file{name: args[0].String(), data: make([]byte, args[1].Get("byteLength").Int()), pca: true, id: args[2].String(), regions: args[3].Truthy()}
		js.CopyBytesToGo(f.data, args[1])
		select {
		case p.subjects <- f:
		default:
		}
		return nil
	}))
	// fmrifaceAddLab(name, bytes, pca) hands over a lab file;
	// fmrifaceLabFailed(pca, message) says its download failed.
	p.global.Set("fmrifaceAddLab", js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) < 3 {
			return nil
		}
		f := file{name: args[0].String(), data: make([]byte, args[1].Get("byteLength").Int()), lab: true, regions: args[2].Truthy()}
		js.CopyBytesToGo(f.data, args[1])
		select {
		case p.subjects <- f:
		default:
		}
		return nil
	}))
	p.global.Set("fmrifaceLabFailed", js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) < 2 {
			return nil
		}
		select {
		case p.subjects <- file{lab: true, regions: args[0].Truthy(), failed: args[1].String()}:
		default:
		}
		return nil
	}))
	p.global.Set("fmrifacePCAFailed", js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) < 3 {
			return nil
		}
		select {
		case p.subjects <- file{pca: true, id: args[0].String(), regions: args[1].Truthy(), failed: args[2].String()}:
		default:
		}
		return nil
	}))
}

// listenProgress queues the progress reports of the page's download
// (fmrifaceProgress(got, total)).
func (p *page) listenProgress() {
	p.progress = make(chan download, 16)
	p.onProgress = js.FuncOf(func(this js.Value, args []js.Value) any {
		if len(args) < 2 {
			return nil
		}
		select {
		case p.progress <- download{int64(args[0].Float()), int64(args[1].Float())}:
		default: // the game is behind: a later report will do
		}
		return nil
	})
	p.global.Set("fmrifaceProgress", p.onProgress)
}

// listenPointers queues the pointer events of canvas c. Pointer events
// cover mouse, touch and pen alike; a press captures its pointer, so a
// slider dragged past the canvas's edge still follows it.
func (p *page) listenPointers(c js.Value) {
	p.pointers = make(chan pointerEvent, 256)
	p.onPointer = js.FuncOf(func(this js.Value, args []js.Value) any {
		e := args[0]
		ev := pointerEvent{x: e.Get("offsetX").Float(), y: e.Get("offsetY").Float(), id: e.Get("pointerId").Int()}
		switch e.Get("type").String() {
		case "pointerdown":
			// The main button, or a first finger; a second finger or a
			// right click does nothing.
			if e.Get("button").Int() != 0 || !e.Get("isPrimary").Bool() {
				return nil
			}
			ev.kind = pointerDown
			capture(c, ev.id)
		case "pointermove":
			ev.kind = pointerMove
		case "pointerup":
			ev.kind = pointerUp
		case "pointerleave":
			ev.kind = pointerLeave
		default:
			ev.kind = pointerCancel
		}
		select {
		case p.pointers <- ev:
		default: // the game is behind; only moves fill the queue
		}
		return nil
	})
	for _, t := range []string{"pointerdown", "pointermove", "pointerup", "pointercancel", "pointerleave"} {
		c.Call("addEventListener", t, p.onPointer)
	}
}

// capture makes canvas c receive pointer id's events until it is released.
// It is a nicety for drags: a pointer the browser does not consider active
// makes setPointerCapture throw, which must not stop the app.
func capture(c js.Value, id int) {
	defer func() { _ = recover() }()
	c.Call("setPointerCapture", id)
}

// publishAreas sets globalThis.fmrifaceAreas(): the screen's clickable
// areas as last drawn ({name, x, y, w, h} in CSS pixels), so that tests and
// tools can point at a named area instead of at coordinates.
func (p *page) publishAreas(hits *app.HitMap) {
	p.global.Set("fmrifaceAreas", js.FuncOf(func(this js.Value, args []js.Value) any {
		out := make([]any, 0, len(hits.Areas()))
		for _, ar := range hits.Areas() {
			out = append(out, map[string]any{"name": ar.Name, "x": ar.X, "y": ar.Y, "w": ar.W, "h": ar.H})
		}
		return out
	}))
}

// openLink shows the view the page's address names (app.ParseView: panel,
// region, trials, face; the loader already started with its subject).
// Parameters it cannot use are reported in the console.
func (p *page) openLink(a *app.App) {
	q, err := url.ParseQuery(strings.TrimPrefix(p.global.Get("location").Get("search").String(), "?"))
	if err != nil {
		p.global.Get("console").Call("warn", "fmriface: the address's parameters: "+err.Error())
		return
	}
	v, problems := app.ParseView(q)
	if q.Has("panel") || q.Has("region") || q.Has("trials") || q.Has("face") || q.Has("compare") {
		problems = append(problems, a.Open(v)...)
	}
	for _, pr := range problems {
		p.global.Get("console").Call("warn", "fmriface: link: "+pr)
	}
	p.query, p.view = q, a.View()
	p.memProbe = q.Get("memprobe") == "1"
}

// followLink keeps the page's address on the view on screen
// (history.replaceState, so the back button is not filled with views): a
// copied address or a reload opens the same view.
// Only the app changes the address after the start, so its other
// parameters are those openLink read, and nothing is read from the page
// unless the view changed.
func (p *page) followLink(a *app.App) {
	v := a.View()
	if v == p.view || p.query == nil {
		return
	}
	p.view = v
	enc := a.Query(p.query).Encode()
	loc := p.global.Get("location")
	addr := loc.Get("pathname").String()
	if enc != "" {
		addr += "?" + enc
	}
	p.global.Get("history").Call("replaceState", nil, "", addr+loc.Get("hash").String())
}

// createGLContext creates the WebGL 2 context of Ebiten's canvas before
// Ebiten does, with Ebiten's attributes but without multisampling: a later
// getContext returns this context. Ebiten draws through offscreen images
// and copies the result to the screen, so a multisampled default
// framebuffer gains nothing there, and under software GL it costs the
// first resize and every frame's resolve.
func (p *page) createGLContext() {
	c := p.global.Get("document").Call("querySelector", "canvas")
	if !c.Truthy() {
		return
	}
	attr := p.global.Get("Object").New()
	attr.Set("alpha", true)
	attr.Set("premultipliedAlpha", true)
	attr.Set("stencil", true)
	attr.Set("antialias", false)
	c.Call("getContext", "webgl2", attr)
}

// mark records performance.now() under name in globalThis.fmrifaceStatus,
// for the start-up timings the end-to-end test reports.
func (p *page) mark(name string) {
	p.status.Set(name, p.global.Get("performance").Call("now"))
}

// say writes msg to the live region (screen readers speak it) and logs it.
func (p *page) say(msg string) {
	if p.live.Truthy() {
		p.live.Set("textContent", msg)
	}
	p.global.Get("console").Call("log", "fmriface: "+msg)
}

// fail shows an error in the page (loader.js draws it) and logs it.
func (p *page) fail(msg string) {
	if f := p.global.Get("fmrifaceFail"); f.Type() == js.TypeFunction {
		f.Invoke(msg)
	}
	p.global.Get("console").Call("error", "fmriface: "+msg)
}

// faceShown is called once the first face is on screen: the collector
// resumes, and the loader's deferred work (caching the files) may start.
// Both wait for the frame that draws the face, whose first WebGL work is
// slow where the browser renders in software.
func (p *page) faceShown() {
	p.mark("firstFaceShownMs")
	debug.SetGCPercent(p.gcPercent)
	if f := p.global.Get("fmrifaceFirstFace"); f.Type() == js.TypeFunction {
		f.Invoke()
	}
}

func (p *page) ready() {
	if f := p.global.Get("fmrifaceReady"); f.Type() == js.TypeFunction {
		f.Invoke()
	}
}

// sync publishes the app's latest message, and a few numbers for tests
// whenever the app changed (its Rev): how many faces are decoded, say.
func (p *page) sync(a *app.App) {
	msg, n := a.Message()
	if n == p.lastN && a.Rev() == p.lastRev {
		return
	}
	if n != p.lastN {
		p.say(msg)
	}
	p.lastN, p.lastRev = n, a.Rev()
	p.followLink(a)
	if a.FirstFace() > 0 && !p.faceDecoded {
		p.faceDecoded = true
		p.mark("firstFacePageMs")
	}
	faces, game := a.Faces(), a.Pairwise()
	s := p.status
	s.Set("message", msg)
	s.Set("messages", n)
	s.Set("panel", a.Panel().String())
	s.Set("subject", a.Subject().ID)
	s.Set("subjects", a.SubjectsLoaded())
	s.Set("roi", sitedata.ROIName(a.View().ROI))
	s.Set("trials", a.TrialsLabel())
	s.Set("ready", a.Ready())
	s.Set("firstFaceMs", float64(a.FirstFace())/float64(time.Millisecond))
	s.Set("pairCorrect", faces.PairCorrect)
	s.Set("pairTotal", faces.PairTotal)
	s.Set("gameRounds", game.Rounds)
	s.Set("gameUser", game.UserScore)
	s.Set("gameDecoder", game.DecoderScore)
	real := a.Real()
	s.Set("real", real.State.String())
	s.Set("realRun", real.Run)
	s.Set("realMethod", real.Method)
	decoded, pcaDecoded := 0, 0
	for i := range faces.N {
		if a.Decoded(i).Ready() {
			decoded++
		}
		if a.DecodedPCA(i).Ready() {
			pcaDecoded++
		}
	}
	s.Set("decoded", decoded)
	// The comparison (C): its files' state for the view, its faces drawn
	// and its pairwise accuracy; the pairwise game's PCA decoder.
	cmp := a.Compare()
	s.Set("compare", cmp.On)
	s.Set("pca", cmp.State.String())
	s.Set("pcaDecoded", pcaDecoded)
	s.Set("pcaPairCorrect", cmp.PairCorrect)
	s.Set("pcaPairTotal", cmp.PairTotal)
	s.Set("gamePCA", game.PCAScore)
	s.Set("gamePCARounds", game.PCARounds)
	ready := 0
	if a.Panel() == app.PanelResults { // the panel's rows are built only where they are shown
		for _, r := range a.Results().Rows {
			if r.State == app.ResultReady {
				ready++
			}
		}
	}
	s.Set("resultsReady", ready)
	// The lab: its file's state, the run under way, the last run's summary
	// (the e2e compares it with site/labrun's native run of the same
	// settings) and the longest frame's lab work.
	lv := a.LabStatus() // every busy frame: Lab() would format the knobs
	p.showLabProgress(lv)
	if lv.Running != p.labWasRunning {
		p.labWasRunning = lv.Running
		if lv.Running {
			p.mark("labRunStartMs")
		} else {
			p.mark("labRunEndMs")
		}
	}
	s.Set("lab", lv.State.String())
	s.Set("labRunning", lv.Running)
	s.Set("labProgress", lv.Progress)
	s.Set("labRuns", a.LabRuns())
	s.Set("labLongestWorkMs", float64(a.LabLongestWork())/float64(time.Millisecond))
	s.Set("labElapsedMs", float64(lv.Elapsed)/float64(time.Millisecond))
	if a.LabRuns() != p.labRuns {
		// Once a run: its summary (a SHA-256 of the decoded latents, too
		// much for every frame) and the Go heap after it, which the lab's
		// benchmark checks stays flat over many runs.
		p.labRuns = a.LabRuns()
		if sum, ok := a.LabSummary(); ok {
			if b, err := json.Marshal(sum); err == nil {
				s.Set("labSummary", string(b))
			}
		}
		if p.memProbe {
			runtime.GC()
		}
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		s.Set("goHeapInuseMB", float64(ms.HeapInuse)/1e6)
		s.Set("goSysMB", float64(ms.Sys)/1e6)
		s.Set("goNumGC", ms.NumGC) // collections so far: the benchmark counts them per run
	}
}

// showLabProgress shows a lab run's progress in the page's progress
// element, hidden when no run is under way. The canvas is not redrawn while
// a run works (game.redraw): where the browser composites in software a
// redraw costs 100–170 ms, a DOM progress bar almost nothing.
func (p *page) showLabProgress(v app.LabStatus) {
	if !p.labBar.Truthy() {
		p.labBar = p.global.Get("document").Call("getElementById", "lab-progress")
		p.labShown = -1
		if !p.labBar.Truthy() {
			return
		}
	}
	shown := -1
	if v.Running {
		shown = int(100 * v.Progress)
	}
	if shown == p.labShown {
		return
	}
	if shown < 0 {
		p.labBar.Set("hidden", true)
	} else {
		p.labBar.Set("value", float64(shown)/100)
		p.labBar.Set("hidden", false)
	}
	p.labShown = shown
}
