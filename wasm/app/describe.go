package app

import (
	"fmt"
	"strings"
	"time"

	"fmriface/contract/sitedata"
)

// The Describe methods return one plain sentence or two for the ARIA live
// region: what a sighted user reads off the current panel.

func sex(male bool) string {
	if male {
		return "male"
	}
	return "female"
}

// Ms formats a duration in milliseconds with one decimal.
func Ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// DescribeFace describes test face i of the current view.
func (a *App) DescribeFace(i int) string {
	s := a.Subject()
	var b strings.Builder
	fmt.Fprintf(&b, "Face %d of %d, %s, %s, %s: ", i+1, s.N, s.ID, a.ROILabel(), a.TrialsLabel())
	if !a.Decoded[i].Ready {
		b.WriteString("decoding.")
		return b.String()
	}
	fmt.Fprintf(&b, "decoded in %s", Ms(a.Decoded[i].Elapsed))
	if a.Ready() {
		fmt.Fprintf(&b, "; read as %s (shown face: %s); rank %d of %d; beats %d of %d other faces",
			sex(a.MaleDecoded[i]), sex(s.Male[i] == 1), a.Ranks[i], s.N, a.PerFace[i], s.N-1)
	}
	b.WriteString(".")
	return b.String()
}

// DescribePattern describes the mosaic of the selected face's pattern.
func (a *App) DescribePattern() string {
	s := a.Subject()
	return fmt.Sprintf("Pattern of face %d of %d, %s, %s: %d voxels in %d slices; highlighted: %s. Occipital outlined yellow, temporal green, frontoparietal purple; red is a positive response, blue negative.",
		a.Sel+1, s.N, s.ID, a.TrialsLabel(), s.V, a.mosaicSlices(), a.ROILabel())
}

func (a *App) mosaicSlices() int {
	s := a.Subject()
	lo, hi := int16(32767), int16(-32768)
	for v := 0; v < s.V; v++ {
		lo, hi = min(lo, s.IJK[3*v+2]), max(hi, s.IJK[3*v+2])
	}
	return int(hi-lo) + 1
}

// DescribePair describes the pairwise game's current state.
func (a *App) DescribePair() string {
	g := &a.Game
	s := a.Subject()
	var b strings.Builder
	if !g.Answered {
		fmt.Fprintf(&b, "Decoded face of pair %d: which face did %s see, left or right?", g.Rounds+1, s.ID)
	} else {
		side := func(left bool) string {
			if left {
				return "left"
			}
			return "right"
		}
		ok := func(right bool) string {
			if right {
				return "correct"
			}
			return "wrong"
		}
		fmt.Fprintf(&b, "You chose %s: %s. The decoder chose %s: %s. The seen face was face %d, on the %s.",
			side(g.UserLeft), ok(g.UserRight), side(g.DecoderLeft), ok(g.DecoderRight), g.Target+1, side(g.TargetLeft))
	}
	fmt.Fprintf(&b, " Score: you %d of %d, decoder %d of %d.", g.UserScore, g.Rounds, g.DecoderScore, g.Rounds)
	if a.Ready() {
		fmt.Fprintf(&b, " %s's full pairwise accuracy (%s, %s): %.1f%%, %d of %d pairs.", s.ID, sitedata.ROIName(a.ROI), a.TrialsLabel(),
			100*float64(a.PairCorrect)/float64(a.PairTotal), a.PairCorrect, a.PairTotal)
	}
	return b.String()
}

// DescribeGender describes the gender read-out.
func (a *App) DescribeGender() string {
	s := a.Subject()
	if !a.Ready() {
		return "Gender read-out: decoding."
	}
	i := a.Sel
	return fmt.Sprintf("Gender read-out along the male minus female axis, %s, %s: %d of %d decoded faces read correctly (ceiling on the true latents: %d of %d). Face %d read as %s, shown face %s.",
		s.ID, sitedata.ROIName(a.ROI), a.GenderCorrect, s.N, a.GenderCeiling, s.N, i+1, sex(a.MaleDecoded[i]), sex(s.Male[i] == 1))
}

// DescribeImagery describes the imagery ranking.
func (a *App) DescribeImagery() string {
	s := a.Subject()
	if !a.Ready() {
		return "Imagery: decoding."
	}
	return fmt.Sprintf("Imagery, %s, %s: the imagined face ranks %d of %d candidates by correlation with the decoded imagery pattern.",
		s.ID, a.ROILabel(), a.ImageryRank, s.N)
}

// DescribeExplore describes the explore panel's face.
func (a *App) DescribeExplore() string {
	return fmt.Sprintf("Random face; gender slider %+.2f (positive is more male), smile slider %+.2f.", a.MaleAmt, a.SmileAmt)
}
