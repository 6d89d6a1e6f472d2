package app

// Key is a keyboard command, independent of the windowing library.
type Key int

// The keys the app understands (see Help).
const (
	KeyNone        Key = iota
	KeyLeft            // previous face; pairwise: left; explore: less male; real brain: previous run
	KeyRight           // next face; pairwise: right; explore: more male; real brain: next run
	KeyUp              // previous row of faces; explore: more smile; real brain: previous decoder
	KeyDown            // next row of faces; explore: less smile; real brain: next decoder
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
	KeyDownloadAll     // D: download every file (subjects, real brain), for offline use
	KeyLeave           // Esc: the focus goes back to the page (see LeavesApp)
	KeyCompare         // C: the PCA comparison on or off (faces and pairwise panels)
	KeyPreset          // P: lab: the next preset experiment
	KeyPresetBack      // Shift+P
	KeyPanel1          // 1…9 select a panel (L the lab, the tenth)
)

// Help is the keyboard summary spoken for KeyHelp and printed by the page.
const Help = "Keys: 1 to 9, L or Tab choose a panel (faces, pattern, pairwise, gender, imagery, explore, about, real brain, results; L the lab). " +
	"S next subject, R next brain region, T fewer trials (Shift goes back); D downloads everything for offline use. " +
	"C shows each face decoded through PCA beside the VAE-GAN (the paper's comparison) on the faces and pairwise panels. " +
	"Arrows choose a face; in the pairwise test Left or Right picks the face the subject saw and Enter shows the next pair; " +
	"in explore Left/Right move the gender slider, Up/Down the smile slider, Enter draws a random face, 0 resets; " +
	"in real brain Left/Right step through the held-out runs, Up/Down choose the decoder; " +
	"in the lab Up/Down choose a knob, Left/Right change it, Enter runs or cancels, P chooses a preset experiment. " +
	"Esc, Tab on the last panel or Shift+Tab on the first leave the app for the rest of the page."

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
	case "c", "C":
		return KeyCompare
	case "p", "P":
		return pick(KeyPreset, KeyPresetBack)
	case "l", "L":
		return KeyPanel1 + Key(PanelLab)
	}
	if len(name) == 1 && name[0] >= '1' && name[0] <= '9' && int(name[0]-'1') < int(NumPanels) {
		return KeyPanel1 + Key(name[0]-'1')
	}
	return KeyNone
}

// LeavesApp reports whether key k, pressed now, belongs to the page rather
// than the app: Esc, Tab on the last panel and Shift+Tab on the first. The
// page then moves the focus on, so the keyboard can always leave the app
// (no keyboard trap, WCAG 2.1.2) while Tab still steps through the panels.
func (a *App) LeavesApp(k Key) bool {
	return k == KeyLeave || (k == KeyNextPanel && a.panel == NumPanels-1) || (k == KeyPrevPanel && a.panel == 0)
}

// Press applies one keyboard command: a global one here, any other by the
// panel on screen (panelKey).
func (a *App) Press(k Key) {
	a.rev++
	switch {
	case k >= KeyPanel1 && k < KeyPanel1+Key(NumPanels):
		a.setPanel(Panel(k - KeyPanel1))
	case k == KeyNextPanel:
		a.setPanel((a.panel + 1) % NumPanels)
	case k == KeyPrevPanel:
		a.setPanel((a.panel + NumPanels - 1) % NumPanels)
	case k == KeySubject:
		a.stepSubject(1)
	case k == KeySubjectBack:
		a.stepSubject(-1)
	case k == KeyDownloadAll:
		a.downloadAll()
	case k == KeyROI:
		a.stepROI(1)
	case k == KeyROIBack:
		a.stepROI(-1)
	case k == KeyTrials:
		a.stepTrials(1)
	case k == KeyTrialsBack:
		a.stepTrials(-1)
	case k == KeyHelp:
		a.say("%s", Help)
	case k == KeyCompare:
		a.toggleCompare()
	default:
		a.panelKey(k)
	}
}
