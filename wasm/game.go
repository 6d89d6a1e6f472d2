//go:build js && wasm

package main

import (
	"errors"
	"image/color"
	"math"
	"strings"
	"time"

	"github.com/hajimehoshi/ebiten/v2"

	"fmriface/infer/site"
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

// game is the Ebiten side: input, the frame budget and drawing. All state
// lives in app.App.
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

	tex           map[*app.Image]*texture
	mosaic        *ebiten.Image
	mosaicVersion int
	mosaicFor     *app.Mosaic
}

// press is a pointer held down on an area: a click or tap happens when it
// is released on the same area; a slider follows it until then.
type press struct {
	on   bool
	id   int
	area app.Area
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
		tex: map[*app.Image]*texture{},
		ascii: strings.NewReplacer("…", "...", "×", "x", "−", "-", "–", "-", "—", "-", "ẑ", "z^", "→", "->",
			"←", "<-", "≤", "<=", "≥", ">=", "·", ".", "é", "e", "’", "'", "“", "\"", "”", "\"", "ᵀ", "T", "⁻¹", "^-1")}
	p.publishAreas(&g.hits)
	return g
}

// addSubjects parses at most one subject that arrived since the last frame
// (a parse takes a frame or so; one per frame keeps the page responsive).
func (g *game) addSubjects() {
	select {
	case f := <-g.page.subjects:
		if f.failed != "" {
			g.app.NeedFailed(f.id, f.regions, errors.New(f.failed))
			return
		}
		if f.regionsOf != "" {
			g.addRegions(f)
			return
		}
		s, err := site.LoadSubjectVerified(f.name, f.data, g.app.Model.Latent())
		if err == nil {
			err = g.app.AddSubject(s)
		}
		if err != nil {
			g.page.say("A subject could not be loaded: " + err.Error())
		}
	default:
	}
}

// addRegions gives a subject its region decoders (the page sends a
// subject's regions file after the subject's own bundle).
func (g *game) addRegions(f file) {
	s := g.app.SubjectByID(f.regionsOf)
	if s == nil {
		g.page.say(f.name + ": region decoders of " + f.regionsOf + ", which is not loaded")
		return
	}
	if err := s.AddRegionsVerified(f.name, f.data); err != nil {
		g.page.say("The region decoders could not be loaded: " + err.Error())
		return
	}
	g.app.RegionsAdded(s)
}

// downloads takes the latest progress report of the page's download.
func (g *game) downloads() {
	for {
		select {
		case d := <-g.page.progress:
			g.dl = d
		default:
			return
		}
	}
}

// input applies the keys the page queued since the last frame.
func (g *game) input() {
	for {
		select {
		case k := <-g.page.keys:
			g.app.Press(k)
			g.urgent = true
		default:
			return
		}
	}
}

// pointers applies the pointer events the page queued since the last
// frame, against the areas of the frame on screen.
func (g *game) pointers() {
	for {
		select {
		case e := <-g.page.pointers:
			g.point(e)
		default:
			return
		}
	}
}

func (g *game) point(e pointerEvent) {
	ar, hit := g.hits.At(e.x, e.y)
	switch e.kind {
	case pointerDown:
		if !hit {
			return
		}
		g.press = press{on: true, id: e.id, area: ar}
		if ar.Target.Slides() {
			g.app.Drag(ar, e.x)
			g.urgent = true
		}
	case pointerMove:
		if g.press.on && g.press.id == e.id {
			if g.press.area.Target.Slides() {
				g.app.Drag(g.press.area, e.x)
				g.urgent = true
			}
			return
		}
		g.setHover(ar, hit)
	case pointerUp:
		p := g.press
		if !p.on || p.id != e.id {
			return
		}
		g.press = press{}
		// A slider takes its release anywhere; anything else only a
		// release on the area pressed (moving off cancels, as with buttons).
		if p.area.Target.Slides() || (hit && ar.Name == p.area.Name) {
			g.app.Point(p.area, e.x)
			g.urgent = true
		}
	case pointerCancel:
		g.press = press{}
	case pointerLeave:
		g.setHover(app.Area{}, false)
	}
}

// setHover shows a pointing hand over areas that do something, and has the
// area under the mouse outlined.
func (g *game) setHover(ar app.Area, over bool) {
	c, name := ebiten.CursorShapeDefault, ""
	if over {
		c, name = ebiten.CursorShapePointer, ar.Name
	}
	if c != g.cursor {
		g.cursor = c
		ebiten.SetCursorShape(c)
	}
	if name != g.hover {
		g.hover = name
		g.urgent = true
	}
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
	if g.app.FirstFace == 0 {
		// Nothing is on screen yet: finish the first face before the
		// first frame rather than spread it over the slow start-up frames,
		// and stop as soon as it is done (one 200 ms budget would go on
		// with the other faces and hold the first one back).
		end := time.Now().Add(firstFaceBudget)
		for g.app.FirstFace == 0 && g.app.Busy() && time.Now().Before(end) {
			g.app.Update(frameBudget)
		}
	} else {
		g.app.Update(g.budget())
	}
	g.page.sync(g.app)
	return nil
}

// budget is the work of this frame: frameBudget, or up to a third of the
// time since the last frame where frames come slower than 30 a second
// (the browser compositing in software, say): a fixed 6 ms then left the
// decoding most of the time idle.
func (g *game) budget() time.Duration {
	now := time.Now()
	gap := now.Sub(g.lastUpdate)
	g.lastUpdate = now
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

// Colours of the interface.
var (
	colBG     = color.RGBA{14, 16, 22, 255}
	colPanel  = color.RGBA{26, 30, 40, 255}
	colText   = color.RGBA{230, 232, 238, 255}
	colDim    = color.RGBA{150, 156, 170, 255}
	colAccent = color.RGBA{255, 196, 0, 255}
	colGood   = color.RGBA{60, 200, 110, 255}
	colBad    = color.RGBA{240, 80, 80, 255}
	colWarn   = color.RGBA{200, 30, 30, 255}
)

func (g *game) Draw(screen *ebiten.Image) {
	key := frameKey{rev: g.app.Rev(), w: g.w, h: g.h, scale: g.scale, dl: g.dl, hover: g.hover}
	if key == g.drawn {
		return
	}
	sameLayout := key.w == g.drawn.w && key.h == g.drawn.h && key.scale == g.drawn.scale
	if g.app.Busy() && !g.urgent && sameLayout && time.Since(g.drawnAt) < busyRedraw {
		return
	}
	g.drawn, g.drawnAt, g.urgent = key, time.Now(), false
	g.hits.Reset()
	screen.Fill(colBG)
	a := g.app
	y := g.header(screen)
	body := rect{x: 12, y: y + 8, w: g.w - 24, h: g.h - y - 8 - 40}
	switch a.Panel {
	case app.PanelFaces:
		g.drawFaces(screen, body)
	case app.PanelPattern:
		g.drawPattern(screen, body)
	case app.PanelPairwise:
		g.drawPairwise(screen, body)
	case app.PanelGender:
		g.drawGender(screen, body)
	case app.PanelImagery:
		g.drawImagery(screen, body)
	case app.PanelExplore:
		g.drawExplore(screen, body)
	case app.PanelAbout:
		g.drawAbout(screen, body)
	}
	g.footer(screen)
	if g.hover != "" {
		for _, ar := range g.hits.Areas() {
			if ar.Name == g.hover {
				g.frame(screen, rect{ar.X, ar.Y, ar.W, ar.H}, 1, colDim)
			}
		}
	}
	g.faceDrawn = g.faceDrawn || a.FirstFace > 0
}
