//go:build js && wasm

package main

import (
	"github.com/hajimehoshi/ebiten/v2"

	"fmriface/wasm/app"
)

// Input. The page queues the canvas's keys and pointer events (page.keys,
// page.pointers); each frame applies them to the app, a pointer against the
// areas of the frame on screen (game.hits), so that keys, mouse and touch
// take one path into the app.

// press is a pointer held down on an area: a click or tap happens when it
// is released on the same area; a slider follows it until then.
type press struct {
	on   bool
	id   int
	area app.Area
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
