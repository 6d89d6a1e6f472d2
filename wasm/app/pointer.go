package app

import "math"

// Pointer input. A click, a tap or a drag does what a key does, chooses a
// face, or sets an explore slider. The view records, each time it draws,
// which area of the screen does what (a HitMap, in the view's own units);
// the app applies the area a pointer pressed and released on (Point), or
// follows a slider while it is dragged (Drag). Keys and pointers share one
// path through the app, so both are tested by the same assertions.

// Slider names one of the explore panel's sliders.
type Slider int

// The explore sliders.
const (
	SliderNone  Slider = iota
	SliderMale         // along the male − female axis
	SliderSmile        // along the smiling − not smiling axis
)

// Target is what pointing at an area does: press Key; or, where Key is
// KeyNone, set Slider from the pointer's position along the area; or show
// held-out run Run−1 of the real-brain panel (Run ≥ 1); or change a lab
// knob or choose a lab preset; or, where all are none, choose face Face.
type Target struct {
	Key    Key
	Slider Slider
	Face   int
	Run    int
	// The lab: knob LabKnob−1 changed by LabDir (−1, +1; 0 gives it the
	// focus), or preset Preset−1 chosen (each ≥ 1 when set).
	LabKnob, LabDir int
	Preset          int
}

// Slides reports whether the target is a slider, which follows a drag.
func (t Target) Slides() bool { return t.Key == KeyNone && t.Slider != SliderNone }

// Area is a rectangle of the screen and what pointing at it does. Name says
// what it is ("tab 3", "face 7", "slider gender") for tests and tools.
type Area struct {
	Name       string
	X, Y, W, H float64
	Target     Target
}

// Contains reports whether (x, y) lies in the area.
func (ar Area) Contains(x, y float64) bool {
	return x >= ar.X && x < ar.X+ar.W && y >= ar.Y && y < ar.Y+ar.H
}

// HitMap is the screen's areas as last drawn. The zero value is empty.
type HitMap struct{ areas []Area }

// Reset empties the map before a frame is drawn (keeping its memory).
func (m *HitMap) Reset() { m.areas = m.areas[:0] }

// Add records an area; one added later is on top of those before it.
func (m *HitMap) Add(ar Area) { m.areas = append(m.areas, ar) }

// At returns the topmost area that contains (x, y).
func (m *HitMap) At(x, y float64) (Area, bool) {
	for i := len(m.areas) - 1; i >= 0; i-- {
		if m.areas[i].Contains(x, y) {
			return m.areas[i], true
		}
	}
	return Area{}, false
}

// Areas lists the areas, bottom first. The caller must not modify them.
func (m *HitMap) Areas() []Area { return m.areas }

// Point applies a click or tap on ar, released at horizontal position x
// (which places a slider).
func (a *App) Point(ar Area, x float64) {
	t := ar.Target
	switch {
	case t.Slides():
		a.Drag(ar, x)
		a.say("%s", a.DescribeExplore())
	case t.Key != KeyNone:
		a.Press(t.Key)
	case t.Run > 0:
		a.SelectRun(t.Run - 1)
	case t.LabKnob > 0:
		a.SelectLabKnob(t.LabKnob-1, t.LabDir)
	case t.Preset > 0:
		a.ChoosePreset(t.Preset - 1)
	default:
		a.SelectFace(t.Face)
	}
}

// Drag moves a slider area's slider to horizontal position x, without an
// announcement (a drag would flood the live region; its release, Point,
// announces the value). Other areas ignore it.
func (a *App) Drag(ar Area, x float64) {
	if !ar.Target.Slides() {
		return
	}
	f := 0.5
	if ar.W > 0 {
		f = (x - ar.X) / ar.W
	}
	a.setSlider(ar.Target.Slider, (2*math.Max(0, math.Min(1, f))-1)*SliderMax)
}
