package sim

import "math"

// The HRF is SPM's canonical double gamma (peak 6 s, undershoot 16 s, ratio
// 1/6), tabulated as its running integral so that a boxcar of any onset and
// duration is a difference of two table look-ups.
const (
	hrfLength = 32.0 // s
	hrfDT     = 0.01 // s, table step
)

// hrfTable is the running integral of the HRF, scaled so that a 1 s event
// peaks at 1.
type hrfTable struct {
	cum []float64
}

func newHRFTable() *hrfTable {
	n := int(hrfLength/hrfDT) + 1
	h := make([]float64, n)
	g6, g16 := math.Gamma(6), math.Gamma(16)
	for i := range h {
		t := float64(i) * hrfDT
		h[i] = math.Pow(t, 5)*math.Exp(-t)/g6 - math.Pow(t, 15)*math.Exp(-t)/(6*g16)
	}
	cum := make([]float64, n)
	for i := 1; i < n; i++ {
		cum[i] = cum[i-1] + (h[i-1]+h[i])/2*hrfDT
	}
	tab := &hrfTable{cum: cum}
	var peak float64
	for t := 0.0; t < hrfLength; t += hrfDT {
		peak = math.Max(peak, tab.at(t)-tab.at(t-1))
	}
	for i := range cum {
		cum[i] /= peak
	}
	return tab
}

// at is the integral of the HRF from 0 to tau seconds (linear interpolation).
func (h *hrfTable) at(tau float64) float64 {
	if tau <= 0 {
		return 0
	}
	x := tau / hrfDT
	i := int(x)
	if i >= len(h.cum)-1 {
		return h.cum[len(h.cum)-1]
	}
	f := x - float64(i)
	return h.cum[i]*(1-f) + h.cum[i+1]*f
}

// boxcar is the response at time t to a unit boxcar [onset, onset+dur).
func (h *hrfTable) boxcar(t, onset, dur float64) float64 {
	return h.at(t-onset) - h.at(t-onset-dur)
}
