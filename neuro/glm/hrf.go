package glm

import (
	"fmt"
	"math"
)

// HRF holds the parameters of SPM's double-gamma haemodynamic response
// function, in seconds (the same seven numbers as spm_hrf's p vector):
//
//	h(t) = g(t; PeakDelay/PeakDisp, PeakDisp) − g(t; UndershootDelay/UndershootDisp, UndershootDisp)/Ratio
//
// where g(t; shape, scale) is the gamma density. The zero value is not
// usable; start from Canonical().
type HRF struct {
	PeakDelay       float64 // shape×scale of the response gamma (SPM p1 = 6 s)
	UndershootDelay float64 // shape×scale of the undershoot gamma (p2 = 16 s)
	PeakDisp        float64 // scale of the response gamma (p3 = 1 s)
	UndershootDisp  float64 // scale of the undershoot gamma (p4 = 1 s)
	Ratio           float64 // response/undershoot ratio (p5 = 6)
	Shift           float64 // delay of the whole response in seconds (p6 = 0; the simulator varies it per voxel)
	Length          float64 // kernel length in seconds (p7 = 32 s)
}

// Canonical returns SPM12's canonical HRF: peak parameter 6 s, undershoot
// 16 s, ratio 6, dispersions 1 s, no shift, 32 s long.
func Canonical() HRF {
	return HRF{PeakDelay: 6, UndershootDelay: 16, PeakDisp: 1, UndershootDisp: 1, Ratio: 6, Length: 32}
}

func (h HRF) validate() error {
	switch {
	case !(h.PeakDelay > 0) || !(h.UndershootDelay > 0) || !(h.PeakDisp > 0) || !(h.UndershootDisp > 0):
		return fmt.Errorf("glm: HRF delays and dispersions must be positive, got %+v", h)
	case !(h.Ratio > 0) || math.IsInf(h.Ratio, 0):
		return fmt.Errorf("glm: HRF ratio must be positive and finite, got %v", h.Ratio)
	case !(h.Length > 0) || h.Length > 600:
		return fmt.Errorf("glm: HRF length must be in (0, 600] s, got %v", h.Length)
	case math.IsNaN(h.Shift) || math.Abs(h.Shift) > 60:
		return fmt.Errorf("glm: HRF shift must be within ±60 s, got %v", h.Shift)
	}
	return nil
}

// gammaPDF is the gamma density with the given shape and scale at t ≥ 0.
func gammaPDF(t, shape, scale float64) float64 {
	if t <= 0 {
		return 0
	}
	lg, _ := math.Lgamma(shape)
	return math.Exp((shape-1)*math.Log(t) - t/scale - lg - shape*math.Log(scale))
}

// eval is the unnormalised double gamma at time t seconds after the event
// (before Shift is applied).
func (h HRF) eval(t float64) float64 {
	if t < 0 || t > h.Length {
		return 0
	}
	return gammaPDF(t, h.PeakDelay/h.PeakDisp, h.PeakDisp) -
		gammaPDF(t, h.UndershootDelay/h.UndershootDisp, h.UndershootDisp)/h.Ratio
}

// Sample returns the HRF sampled every dt seconds from t = 0, covering the
// kernel length plus a positive Shift. The samples are scaled so that their
// sum times dt is 1: the response to a sustained stimulus of height 1
// settles at 1, and a brief event of area 1 (height 1 for 1 s) peaks near
// 0.2. Regressor units are therefore "signal per unit stimulus area".
func (h HRF) Sample(dt float64) ([]float64, error) {
	if err := h.validate(); err != nil {
		return nil, err
	}
	if !(dt > 0) || dt > h.Length {
		return nil, fmt.Errorf("glm: HRF sampling step must be in (0, %v] s, got %v", h.Length, dt)
	}
	span := h.Length + math.Max(h.Shift, 0)
	n := int(math.Floor(span/dt)) + 1
	if n > 1<<20 {
		return nil, fmt.Errorf("glm: HRF sampling step %v s gives too many samples (%d)", dt, n)
	}
	out := make([]float64, n)
	var sum float64
	for k := range out {
		out[k] = h.eval(float64(k)*dt - h.Shift)
		sum += out[k]
	}
	if !(sum > 0) {
		return nil, fmt.Errorf("glm: HRF %+v sampled at %v s has no positive area", h, dt)
	}
	for k := range out {
		out[k] /= sum * dt
	}
	return out, nil
}
