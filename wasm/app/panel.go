package app

import "fmt"

// Panel is one view of the app. Each has its own file: faces.go,
// pattern.go, pairwise.go, gender.go, imagery.go, explore.go, about.go,
// real.go, results.go, lab.go.
type Panel int

// The panels, in the order of the number keys 1…9 (the Lab, tenth, has L).
// The real-brain, results and lab panels came last, so that the links and
// keys of the others kept their numbers.
const (
	PanelFaces    Panel = iota // test faces as shown and as decoded
	PanelPattern               // slice mosaic of a pattern, ROIs outlined
	PanelPairwise              // the pairwise game
	PanelGender                // gender read-out along axis.male
	PanelImagery               // imagery pattern, 20 candidates ranked
	PanelExplore               // random faces, male and smile sliders
	PanelAbout                 // the study and the data
	PanelReal                  // real fMRI (Haxby et al. 2001): a slice, its category decoding
	PanelResults               // the subject's measures against the paper's, both latent spaces
	PanelLab                   // the learner's own decoding experiment (key L)
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
	case PanelReal:
		return "Real brain"
	case PanelResults:
		return "Results"
	case PanelLab:
		return "Lab"
	}
	return fmt.Sprintf("Panel(%d)", int(p))
}

// Panel is the panel on screen.
func (a *App) Panel() Panel { return a.panel }

// setPanel shows panel p and announces what it shows.
func (a *App) setPanel(p Panel) {
	if p == a.panel {
		switch p {
		case PanelReal:
			a.openReal() // again: retries a failed download
			return
		case PanelResults:
			a.openResults() // again: retries a failed download
			return
		case PanelLab:
			a.openLab() // again: retries a failed download
			return
		}
		a.say("%s panel.", p)
		return
	}
	a.panel = p
	a.showCompare()
	switch p {
	case PanelImagery:
		if !a.imagery.ready || !a.imagery.image.ready {
			a.replanImageryFirst()
		}
		a.say("Imagery panel. %s", a.DescribeImagery())
	case PanelPairwise:
		if a.cmp.on && a.pcaState() != PCAReady {
			a.say("Pairwise test. %s %s", a.DescribePair(), a.compareOpening())
		} else {
			a.say("Pairwise test. %s", a.DescribePair())
		}
	case PanelGender:
		a.say("Gender panel. %s", a.DescribeGender())
	case PanelExplore:
		a.say("Explore panel. %s", a.DescribeExplore())
	case PanelAbout:
		a.say("About panel. %s", a.aboutShort())
	case PanelPattern:
		a.say("Pattern panel. %s", a.DescribePattern())
	case PanelReal:
		a.openReal()
	case PanelResults:
		a.openResults()
	case PanelLab:
		a.openLab()
	default:
		a.say("%s panel. %s", p, a.DescribeFace(a.sel))
	}
}

// panelKey gives a key no global command took to the panel on screen.
func (a *App) panelKey(k Key) {
	switch a.panel {
	case PanelFaces, PanelPattern, PanelGender:
		a.faceKey(k)
	case PanelPairwise:
		a.pairwiseKey(k)
	case PanelExplore:
		a.exploreKey(k)
	case PanelImagery:
		// Nothing to choose: the ranking is the result.
	case PanelReal:
		a.realKey(k)
	case PanelResults:
		// Nothing to choose: S, R and T change the subject and trials.
	case PanelLab:
		a.labKey(k)
	}
}
