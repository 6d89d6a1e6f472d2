package app

import (
	"fmriface/contract/sitedata"
	"fmriface/infer/site"
	"fmt"
)

// The gender panel: the sign of each decoded latent's projection on the
// model's male − female axis (axis.male) read as the face's sex, against
// the sex of the face shown; the same read-out on the true latents is the
// ceiling. The arrows choose a face (faces.go).

// genderReadout is the read-out of the view's decoded faces, set with the
// other results when every latent is decoded.
type genderReadout struct {
	proj        []float64 // each decoded latent projected on axis.male
	maleDecoded []bool    // proj > 0
	maleTrue    []bool    // the read-out on the true latents (the ceiling)
	correct     int       // decoded faces read as the shown face's sex
	ceiling     int       // true latents read as the shown face's sex
}

// readGender reads the sex of each decoded latent of zhat (N×L), and of
// each of s's true latents, along axis male.
func readGender(zhat []float32, s *site.Subject, male []float32) genderReadout {
	n, l := s.N, s.L
	g := genderReadout{proj: make([]float64, n), maleDecoded: make([]bool, n), maleTrue: make([]bool, n)}
	for i := range n {
		shown := s.Male[i] == 1
		g.proj[i] = Project(zhat[i*l:(i+1)*l], male)
		g.maleDecoded[i] = g.proj[i] > 0
		g.maleTrue[i] = Project(s.Latent(i), male) > 0
		if g.maleDecoded[i] == shown {
			g.correct++
		}
		if g.maleTrue[i] == shown {
			g.ceiling++
		}
	}
	return g
}

// GenderView is what the gender panel shows, for the frame being drawn;
// its read-out is valid when Ready (the faces are App.Decoded).
type GenderView struct {
	N, Sel int
	Ready  bool
	// Correct of N decoded faces are read as the sex of the face shown;
	// Ceiling of N true latents are.
	Correct, Ceiling int

	g *genderReadout
	s *site.Subject
}

// Gender returns what the gender panel shows now.
func (a *App) Gender() GenderView {
	return GenderView{N: a.N(), Sel: a.sel, Ready: a.Ready(), Correct: a.gender.correct, Ceiling: a.gender.ceiling, g: &a.gender, s: a.Subject()}
}

// Projection is decoded face i's projection on the male − female axis.
func (v GenderView) Projection(i int) float64 { return v.g.proj[i] }

// ReadMale reports whether decoded face i reads as male.
func (v GenderView) ReadMale(i int) bool { return v.g.maleDecoded[i] }

// ShownMale reports whether the face shown for test face i is male.
func (v GenderView) ShownMale(i int) bool { return v.s.Male[i] == 1 }

// DescribeGender describes the gender read-out.
func (a *App) DescribeGender() string {
	s := a.Subject()
	if !a.Ready() {
		return "Gender read-out: decoding."
	}
	i := a.sel
	return fmt.Sprintf("Gender read-out along the male minus female axis, %s, %s: %d of %d decoded faces read correctly (ceiling on the true latents: %d of %d). Face %d read as %s, shown face %s.",
		s.ID, sitedata.ROIName(a.roi), a.gender.correct, s.N, a.gender.ceiling, s.N, i+1, sex(a.gender.maleDecoded[i]), sex(s.Male[i] == 1))
}

func sex(male bool) string {
	if male {
		return "male"
	}
	return "female"
}
