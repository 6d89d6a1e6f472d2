package app

import (
	"fmriface/contract/sitedata"
	"fmt"
	"math/rand/v2"
	"strings"
)

// The pairwise panel: a game the user plays against the decoder. The
// decoded face of one test face is shown with two candidates, the face the
// subject saw and another test face, in random order. The user guesses; the
// decoder answers by correlation in latent space, as in the paper (faces.go
// scores it over all the pairs).

// pairwiseGame is the game's state: the pair on screen, the answers to it
// and the running scores.
type pairwiseGame struct {
	n     int
	order []int // the N·(N−1) ordered pairs, shuffled
	pos   int
	rng   *rand.Rand

	target, distractor int
	targetLeft         bool // the seen face is on the left

	answered     bool
	userLeft     bool // the user's pick
	userRight    bool // the pick was the seen face
	decoderRight bool // r(ẑ, z_target) > r(ẑ, z_distractor)
	decoderLeft  bool // the decoder's pick
	// The PCA decoder's answer, where the comparison was on and decoded
	// (pcaAnswered): the same test on the PCA latents.
	pcaAnswered, pcaRight, pcaLeft bool

	rounds, userScore, decoderScore int
	pcaRounds, pcaScore             int
}

func newPairwiseGame(n int, seed uint64) pairwiseGame {
	g := pairwiseGame{n: n, rng: rand.New(rand.NewPCG(seed, 1))}
	g.order = g.rng.Perm(n * (n - 1))
	g.pos = -1
	g.next()
	return g
}

// next moves to the next pair (reshuffling after all of them).
func (g *pairwiseGame) next() {
	g.pos++
	if g.pos >= len(g.order) {
		g.rng.Shuffle(len(g.order), func(i, j int) { g.order[i], g.order[j] = g.order[j], g.order[i] })
		g.pos = 0
	}
	p := g.order[g.pos]
	g.target = p / (g.n - 1)
	g.distractor = p % (g.n - 1)
	if g.distractor >= g.target {
		g.distractor++
	}
	g.targetLeft = g.rng.IntN(2) == 0
	g.answered = false
}

// left and right are the test faces shown on each side.
func (g *pairwiseGame) left() int {
	if g.targetLeft {
		return g.target
	}
	return g.distractor
}

func (g *pairwiseGame) right() int {
	if g.targetLeft {
		return g.distractor
	}
	return g.target
}

// pairwiseKey answers the keys of the pairwise panel: Left or Right
// guesses, Enter shows the next pair.
func (a *App) pairwiseKey(k Key) {
	switch k {
	case KeyLeft, KeyRight:
		a.guess(k == KeyLeft)
	case KeyEnter:
		a.pair.next()
		a.say("%s", a.DescribePair())
	}
}

// guess records the user's pick; the decoder answers from the correlations.
func (a *App) guess(left bool) {
	g := &a.pair
	if g.answered {
		a.say("Already answered: press Enter for the next pair. %s", a.DescribePair())
		return
	}
	if !a.Ready() {
		a.say("Still decoding; try again in a moment.")
		return
	}
	n := a.N()
	corr := a.faces.corr
	g.answered = true
	g.userLeft = left
	g.userRight = left == g.targetLeft
	g.decoderRight = corr[g.target*n+g.target] > corr[g.target*n+g.distractor]
	g.decoderLeft = g.decoderRight == g.targetLeft
	g.pcaAnswered = a.cmp.on && a.compareReady()
	if g.pcaAnswered {
		pc := a.cmp.scores.corr
		g.pcaRight = pc[g.target*n+g.target] > pc[g.target*n+g.distractor]
		g.pcaLeft = g.pcaRight == g.targetLeft
		g.pcaRounds++
		if g.pcaRight {
			g.pcaScore++
		}
	}
	g.rounds++
	if g.userRight {
		g.userScore++
	}
	if g.decoderRight {
		g.decoderScore++
	}
	a.say("%s", a.DescribePair())
}

// PairwiseView is what the pairwise panel shows, for the frame being drawn:
// the decoded face of test face Target (App.Decoded), and the candidates
// Left and Right (App.Shown), one of them Target, the other Distractor. The
// answers are valid when Answered.
type PairwiseView struct {
	Target, Distractor int
	Left, Right        int
	TargetLeft         bool // the seen face is on the left

	Answered     bool
	UserLeft     bool // the user picked the left face
	UserRight    bool // the user's pick was the seen face
	DecoderLeft  bool // the decoder picked the left face
	DecoderRight bool // the decoder's pick was the seen face

	// The games played with this subject, and the right answers of each.
	Rounds, UserScore, DecoderScore int

	// The PCA decoder's answer (the comparison, C), valid when PCAAnswered,
	// and its score over PCARounds answered rounds.
	PCAAnswered, PCALeft, PCARight bool
	PCARounds, PCAScore            int
}

// Pairwise returns what the pairwise panel shows now.
func (a *App) Pairwise() PairwiseView {
	g := &a.pair
	return PairwiseView{
		Target: g.target, Distractor: g.distractor, Left: g.left(), Right: g.right(), TargetLeft: g.targetLeft,
		Answered: g.answered, UserLeft: g.userLeft, UserRight: g.userRight, DecoderLeft: g.decoderLeft, DecoderRight: g.decoderRight,
		Rounds: g.rounds, UserScore: g.userScore, DecoderScore: g.decoderScore,
		PCAAnswered: g.answered && g.pcaAnswered, PCALeft: g.pcaLeft, PCARight: g.pcaRight, PCARounds: g.pcaRounds, PCAScore: g.pcaScore,
	}
}

// DescribePair describes the pairwise game's current state.
func (a *App) DescribePair() string {
	g := &a.pair
	s := a.Subject()
	var b strings.Builder
	if !g.answered {
		fmt.Fprintf(&b, "Decoded face of pair %d: which face did %s see, left or right?", g.rounds+1, s.ID)
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
		fmt.Fprintf(&b, "You chose %s: %s. The decoder chose %s: %s.", side(g.userLeft), ok(g.userRight), side(g.decoderLeft), ok(g.decoderRight))
		if g.pcaAnswered {
			fmt.Fprintf(&b, " The PCA decoder chose %s: %s.", side(g.pcaLeft), ok(g.pcaRight))
		}
		fmt.Fprintf(&b, " The seen face was face %d, on the %s.", g.target+1, side(g.targetLeft))
	}
	fmt.Fprintf(&b, " Score: you %d of %d, decoder %d of %d", g.userScore, g.rounds, g.decoderScore, g.rounds)
	if g.pcaRounds > 0 {
		fmt.Fprintf(&b, ", PCA decoder %d of %d", g.pcaScore, g.pcaRounds)
	}
	b.WriteString(".")
	if a.cmp.on && a.Ready() && a.compareReady() {
		fmt.Fprintf(&b, " %s, %s, %s: %s.", s.ID, sitedata.ROIName(a.roi), a.TrialsLabel(), a.comparePairwise())
	}
	if a.Ready() {
		f := &a.faces
		fmt.Fprintf(&b, " %s's full pairwise accuracy (%s, %s): %.1f%%, %d of %d pairs.", s.ID, sitedata.ROIName(a.roi), a.TrialsLabel(),
			100*float64(f.pairCorrect)/float64(f.pairTotal), f.pairCorrect, f.pairTotal)
	}
	return b.String()
}
