package glm

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// SampleTime says where within each TR a regressor is evaluated.
type SampleTime int

const (
	// SampleMiddle evaluates regressors at i·TR + TR/2, SPM's default
	// (fMRI_T0 = 8 of 16): right for data slice-time corrected to the middle
	// slice. This package does no slice-timing modelling of its own.
	SampleMiddle SampleTime = iota
	// SampleStart evaluates regressors at i·TR, the acquisition start.
	SampleStart
)

// DefaultMicroRes is the number of HRF samples per TR (SPM's fMRI_T).
const DefaultMicroRes = 16

// Event is one stimulus presentation, in seconds from the start of its run
// (the first scan starts at 0; events outside the scanned time are allowed
// and contribute only the part of their response that falls on scans). Duration 0 means a brief impulse of unit
// area; otherwise a boxcar of height 1 over [Onset, Onset+Duration).
type Event struct {
	Onset, Duration float64
}

// Convolver turns events into HRF-convolved regressors on a TR grid. It is
// immutable after construction and safe for concurrent use.
//
// The HRF is sampled every TR/microRes seconds; a boxcar's response is the
// difference of the HRF's running integral at t−onset and t−onset−duration,
// interpolated linearly between samples, so onsets and durations need not
// fall on the micro-time grid (real onsets such as 5.995 s are kept exact).
type Convolver struct {
	tr     float64
	dt     float64
	offset float64   // sampling time within each TR
	h      []float64 // HRF samples at k·dt, unit area
	cum    []float64 // running integral of h at k·dt (trapezoid)
	span   float64   // time after which an impulse has no response
}

// NewConvolver prepares a convolver for repetition time tr (seconds).
// microRes ≤ 0 means DefaultMicroRes.
func NewConvolver(tr float64, hrf HRF, microRes int, at SampleTime) (*Convolver, error) {
	if !(tr > 0) || tr > 60 {
		return nil, fmt.Errorf("glm: TR must be in (0, 60] s, got %v", tr)
	}
	if microRes <= 0 {
		microRes = DefaultMicroRes
	}
	if microRes > 1024 {
		return nil, fmt.Errorf("glm: micro-time resolution %d is above 1024", microRes)
	}
	dt := tr / float64(microRes)
	h, err := hrf.Sample(dt)
	if err != nil {
		return nil, err
	}
	cum := make([]float64, len(h))
	for k := 1; k < len(h); k++ {
		cum[k] = cum[k-1] + 0.5*(h[k-1]+h[k])*dt
	}
	c := &Convolver{tr: tr, dt: dt, h: h, cum: cum, span: float64(len(h)-1) * dt}
	switch at {
	case SampleMiddle:
		c.offset = tr / 2
	case SampleStart:
	default:
		return nil, fmt.Errorf("glm: unknown sample time %d", at)
	}
	return c, nil
}

// TR returns the repetition time in seconds.
func (c *Convolver) TR() float64 { return c.tr }

// interp returns table[u/dt] interpolated linearly; u beyond the table
// gives the last value (for the integral) or 0 (for the kernel, via last=0).
func (c *Convolver) interp(table []float64, u float64, after float64) float64 {
	if u <= 0 {
		return 0
	}
	x := u / c.dt
	k := int(x)
	if k >= len(table)-1 {
		return after
	}
	f := x - float64(k)
	return table[k]*(1-f) + table[k+1]*f
}

// response is the regressor value at time t for one unit event.
func (c *Convolver) response(e Event, t float64) float64 {
	u := t - e.Onset
	if e.Duration == 0 {
		return c.interp(c.h, u, 0)
	}
	end := c.cum[len(c.cum)-1]
	return c.interp(c.cum, u, end) - c.interp(c.cum, u-e.Duration, end)
}

func (c *Convolver) checkEvents(events []Event, nScans int) error {
	if nScans <= 0 || nScans > 1<<20 {
		return fmt.Errorf("glm: number of scans must be in [1, 2^20], got %d", nScans)
	}
	// Events after the last scan (real runs have a few: ds001761 lists
	// trials up to 396 s in 390 s runs) or before the first simply add
	// nothing or only their tail; only absurd values are refused.
	const limit = 1e6
	for i, e := range events {
		if math.IsNaN(e.Onset) || math.Abs(e.Onset) > limit {
			return fmt.Errorf("glm: event %d: onset %v s is not a time within ±%g s", i, e.Onset, limit)
		}
		if math.IsNaN(e.Duration) || e.Duration < 0 || e.Duration > limit {
			return fmt.Errorf("glm: event %d: duration %v s is negative or above %g s", i, e.Duration, limit)
		}
	}
	return nil
}

// scanRange returns the scans [lo, hi) whose sample times see event e.
func (c *Convolver) scanRange(e Event, nScans int) (lo, hi int) {
	lo = int(math.Floor((e.Onset - c.offset) / c.tr))
	hi = int(math.Ceil((e.Onset+e.Duration+c.span-c.offset)/c.tr)) + 1
	return max(lo, 0), min(hi, nScans)
}

// Responses returns the nScans × len(events) matrix whose column j is the
// response to event j alone with unit height. A parametric regressor is then
// Responses·amplitudes, and all modulators of a condition come from one
// matrix product, not one convolution per modulator.
func (c *Convolver) Responses(events []Event, nScans int) (*mat.Dense, error) {
	if err := c.checkEvents(events, nScans); err != nil {
		return nil, err
	}
	if len(events) == 0 {
		return nil, fmt.Errorf("glm: no events to convolve")
	}
	r := mat.NewDense(nScans, len(events), nil)
	raw := r.RawMatrix()
	for j, e := range events {
		lo, hi := c.scanRange(e, nScans)
		for i := lo; i < hi; i++ {
			raw.Data[i*raw.Stride+j] = c.response(e, float64(i)*c.tr+c.offset)
		}
	}
	return r, nil
}

// Regressor returns the convolved regressor Σ amplitude_j · response_j over
// nScans scans. amplitudes may be nil (all 1).
func (c *Convolver) Regressor(events []Event, amplitudes []float64, nScans int) ([]float64, error) {
	if err := c.checkEvents(events, nScans); err != nil {
		return nil, err
	}
	if amplitudes != nil && len(amplitudes) != len(events) {
		return nil, fmt.Errorf("glm: %d amplitudes for %d events", len(amplitudes), len(events))
	}
	out := make([]float64, nScans)
	for j, e := range events {
		a := 1.0
		if amplitudes != nil {
			a = amplitudes[j]
		}
		if a == 0 {
			continue
		}
		lo, hi := c.scanRange(e, nScans)
		for i := lo; i < hi; i++ {
			out[i] += a * c.response(e, float64(i)*c.tr+c.offset)
		}
	}
	return out, nil
}

// DCTBasis returns SPM's discrete cosine high-pass set for one run of n
// scans (spm_filter): the K−1 non-constant columns of spm_dctmtx, with
// K = floor(2·n·TR/cutoff + 1), so periods longer than about cutoff seconds
// are removed. It returns nil when there is no such column (short runs).
func DCTBasis(n int, tr, cutoff float64) (*mat.Dense, error) {
	if n <= 0 || !(tr > 0) || !(cutoff > 0) {
		return nil, fmt.Errorf("glm: DCT basis needs positive scans, TR and cutoff, got %d, %v, %v", n, tr, cutoff)
	}
	k := int(math.Floor(2*float64(n)*tr/cutoff + 1))
	if k > n {
		k = n
	}
	if k <= 1 {
		return nil, nil
	}
	d := mat.NewDense(n, k-1, nil)
	norm := math.Sqrt(2 / float64(n))
	for i := 0; i < n; i++ {
		for j := 1; j < k; j++ {
			d.Set(i, j-1, norm*math.Cos(math.Pi*float64((2*i+1)*j)/float64(2*n)))
		}
	}
	return d, nil
}
