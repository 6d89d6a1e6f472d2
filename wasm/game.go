//go:build js && wasm

package main

import (
	"math"
	"strings"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"fmriface/wasm/app"
)

// frameBudget is the decoding work done per frame: with drawing it stays
// well inside a 60 Hz frame.
const frameBudget = 6 * time.Millisecond

// firstFaceBudget bounds the work of a frame before the first face is shown.
// It is generous: cold code can take more than 200 ms for the first face, and
// running out means waiting for Ebiten's first frame, which compiles its
// WebGL shaders (0.5 s under SwiftShader: first face at 4.30 and 4.50 s
// against 4.10 s when it fitted, e2e/coldload.mjs).
const firstFaceBudget = time.Second

// maxFrameBudget bounds the work of a frame when frames are slow (budget).
const maxFrameBudget = 30 * time.Millisecond

// busyRedraw is how often the screen follows queued work (faces appearing
// one by one) when no key or new layout asks for a frame at once. Each drawn
// frame updates the canvas, and so do the next four (Ebiten presents until
// four frames in a row are unchanged). With a GPU that costs little; where
// the browser composites in software (headless Chromium here) each update
// is a read-back of the canvas that takes longer than the frame's own work,
// and drawing every busy frame made a view's 20 faces take twice as long.
const busyRedraw = 250 * time.Millisecond

// labRedraw is how often the screen follows a lab run: never, as the page
// shows its progress (page.showLabProgress). Where the browser composites
// in software a redraw is a 100–170 ms frame, and redraws every 250 ms made
// a run take 1.8 times as long (2.67 s against 1.45 s, the same rerun in
// headless Chromium). A key or a new layout still redraws at once.
const labRedraw = time.Duration(math.MaxInt64)

// game is the Ebiten side: input (input.go), the files that arrive
// (arrivals.go), the frame budget and drawing (draw.go, panels.go). All
// state lives in app.App, which the drawing reads and only input changes.
type game struct {
	app   *app.App
	page  *page
	font  *bitmapFont
	ascii *strings.Replacer // the bitmap font has ASCII only

	scale float64 // device pixels per CSS pixel
	w, h  float64 // screen size in CSS pixels

	started    bool      // the first Update has run
	lastUpdate time.Time // when the last Update ran (budget)

	// drawn is what the screen shows: the app's Rev and the layout it was
	// drawn at. Draw skips frames that would draw the same, and Ebiten then
	// leaves the canvas alone (the screen is not cleared every frame).
	drawn   frameKey
	drawnAt time.Time
	urgent  bool // a key since the last drawn frame: draw the next at once

	dl download // the page's download under way, for the status line

	// faceDrawn: a frame with the first decoded face was drawn; the next
	// Update marks firstFaceShownMs, once the browser has run that frame's
	// WebGL work (where the browser renders in software, that first frame
	// takes 0.6 s: SwiftShader builds its pipelines on first use).
	faceDrawn, faceShown bool

	// hits is what each area of the screen does when clicked or tapped,
	// as last drawn; press is the pointer pressed on one of them.
	hits   app.HitMap
	press  press
	cursor ebiten.CursorShapeType
	hover  string // the area under the mouse, outlined

	// The GPU copies of the faces and of the pattern panel's mosaic.
	tex           map[app.Image]*texture
	mosaic        *ebiten.Image
	mosaicVersion int
	// The real-brain panel's slice (real.go).
	realImg     *ebiten.Image
	realVersion int
}

type frameKey struct {
	rev         int
	w, h, scale float64
	dl          download
	hover       string
}

type texture struct {
	img     *ebiten.Image
	version int
}

func newGame(a *app.App, p *page) *game {
	g := &game{app: a, page: p, font: newBitmapFont(), scale: 1,
		tex: map[app.Image]*texture{},
		ascii: strings.NewReplacer("…", "...", "×", "x", "−", "-", "–", "-", "—", "-", "ẑ", "z^", "→", "->",
			"←", "<-", "≤", "<=", "≥", ">=", "·", ".", "é", "e", "’", "'", "“", "\"", "”", "\"", "ᵀ", "T", "⁻¹", "^-1", "λ", "lambda", "√", "sqrt")}
	p.publishAreas(&g.hits)
	return g
}

func (g *game) Update() error {
	if !g.started {
		g.started = true
		g.page.mark("firstUpdateMs")
	}
	if g.faceDrawn && !g.faceShown {
		g.faceShown = true
		g.page.faceShown()
	}
	g.input()
	g.pointers()
	g.addSubjects()
	g.downloads()
	g.work()
	g.page.sync(g.app)
	return nil
}

// work runs the app's queued work for this frame's budget.
func (g *game) work() {
	if g.app.FirstFace() == 0 {
		// Nothing is on screen yet: finish the first face before the
		// first frame rather than spread it over the slow start-up frames,
		// and stop as soon as it is done (one 200 ms budget would go on
		// with the other faces and hold the first one back).
		end := time.Now().Add(firstFaceBudget)
		for g.app.FirstFace() == 0 && g.app.Busy() && time.Now().Before(end) {
			g.app.Update(frameBudget)
		}
		return
	}
	g.app.Update(g.budget())
}

// budget is the work of this frame: frameBudget, or up to a third of the
// time since the last frame where frames come slower than 30 a second
// (the browser compositing in software, say): a fixed 6 ms then left the
// decoding most of the time idle. A lab run's is app.LabBudget.
func (g *game) budget() time.Duration {
	now := time.Now()
	gap := now.Sub(g.lastUpdate)
	g.lastUpdate = now
	if g.app.LabRunning() {
		// A run's work shrinks when frames are slow instead (LabBudget):
		// a frame's lab work on top of the browser's is what makes it slow.
		return app.LabBudget(gap)
	}
	if gap <= 33*time.Millisecond || gap > time.Second {
		return frameBudget
	}
	return min(max(gap/3, frameBudget), maxFrameBudget)
}

func (g *game) Layout(w, h int) (int, int) { panic("LayoutF is used") }

// LayoutF renders at the device's pixel density, so faces and text stay
// crisp on high-DPI screens; drawing code works in CSS pixels times scale.
func (g *game) LayoutF(w, h float64) (float64, float64) {
	g.scale = ebiten.Monitor().DeviceScaleFactor()
	if g.scale <= 0 {
		g.scale = 1
	}
	g.w, g.h = w, h
	return math.Ceil(w * g.scale), math.Ceil(h * g.scale)
}

func (g *game) Draw(screen *ebiten.Image) {
	if !g.redraw() {
		return
	}
	g.hits.Reset()
	screen.Fill(colBG)
	y := g.header(screen)
	g.drawPanel(screen, rect{x: 12, y: y + 8, w: g.w - 24, h: g.h - y - 8 - 40})
	g.footer(screen)
	g.outlineHover(screen)
	g.faceDrawn = g.faceDrawn || g.app.FirstFace() > 0
}

// redraw reports whether this frame draws: when the app or the layout
// changed, at once after a key, and every busyRedraw while faces appear.
func (g *game) redraw() bool {
	key := frameKey{rev: g.app.Rev(), w: g.w, h: g.h, scale: g.scale, dl: g.dl, hover: g.hover}
	if key == g.drawn {
		return false
	}
	sameLayout := key.w == g.drawn.w && key.h == g.drawn.h && key.scale == g.drawn.scale
	every := busyRedraw
	if g.app.LabRunning() {
		every = labRedraw
	}
	if g.app.Busy() && !g.urgent && sameLayout && time.Since(g.drawnAt) < every {
		return false
	}
	g.drawn, g.drawnAt, g.urgent = key, time.Now(), false
	return true
}
