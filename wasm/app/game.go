package app

import "math/rand/v2"

// Game is the pairwise test played by the user against the decoder: the
// decoded face of one test face is shown with two candidates, the face the
// subject saw and another test face, in random order. The user guesses; the
// decoder answers by correlation in latent space, as in the paper.
type Game struct {
	n     int
	order []int // the N·(N−1) ordered pairs, shuffled
	pos   int
	rng   *rand.Rand

	Target, Distractor int
	TargetLeft         bool // the seen face is on the left

	Answered     bool
	UserLeft     bool // the user's pick
	UserRight    bool // the pick was the seen face
	DecoderRight bool // r(ẑ, z_target) > r(ẑ, z_distractor)
	DecoderLeft  bool // the decoder's pick

	Rounds, UserScore, DecoderScore int
}

func newGame(n int, seed uint64) Game {
	g := Game{n: n, rng: rand.New(rand.NewPCG(seed, 1))}
	g.order = g.rng.Perm(n * (n - 1))
	g.pos = -1
	g.next()
	return g
}

// next moves to the next pair (reshuffling after all of them).
func (g *Game) next() {
	g.pos++
	if g.pos >= len(g.order) {
		g.rng.Shuffle(len(g.order), func(i, j int) { g.order[i], g.order[j] = g.order[j], g.order[i] })
		g.pos = 0
	}
	p := g.order[g.pos]
	g.Target = p / (g.n - 1)
	g.Distractor = p % (g.n - 1)
	if g.Distractor >= g.Target {
		g.Distractor++
	}
	g.TargetLeft = g.rng.IntN(2) == 0
	g.Answered = false
}

// Left and Right are the test faces shown on each side.
func (g *Game) Left() int {
	if g.TargetLeft {
		return g.Target
	}
	return g.Distractor
}

// Right is the test face shown on the right.
func (g *Game) Right() int {
	if g.TargetLeft {
		return g.Distractor
	}
	return g.Target
}

// guess records the user's pick; the decoder answers from the correlations.
func (a *App) guess(left bool) {
	g := &a.Game
	if g.Answered {
		a.say("Already answered: press Enter for the next pair. %s", a.DescribePair())
		return
	}
	if !a.Ready() {
		a.say("Still decoding; try again in a moment.")
		return
	}
	n := a.N()
	g.Answered = true
	g.UserLeft = left
	g.UserRight = left == g.TargetLeft
	g.DecoderRight = a.Corr[g.Target*n+g.Target] > a.Corr[g.Target*n+g.Distractor]
	g.DecoderLeft = g.DecoderRight == g.TargetLeft
	g.Rounds++
	if g.UserRight {
		g.UserScore++
	}
	if g.DecoderRight {
		g.DecoderScore++
	}
	a.say("%s", a.DescribePair())
}
