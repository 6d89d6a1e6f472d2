package main

import (
	"fmt"
	"math"
	"slices"

	"fmriface/bundle"
	"fmriface/bundle/quant"
)

// ladder is the order in which encodings are tried, smallest first.
var ladder = []quant.Kind{quant.Q3, quant.Q4, quant.Q8, quant.F16, quant.F32}

// choice is one float tensor's encoding decision and its measurements.
type choice struct {
	Bundle   string   `json:"bundle"`
	Name     string   `json:"name"`
	Shape    []int    `json:"shape"`
	Kind     string   `json:"kind"`
	Bytes    int64    `json:"bytes"`     // payload bytes in the chosen encoding
	F32Bytes int64    `json:"f32_bytes"` // payload bytes in float32
	MaxAbs   float64  `json:"max_abs_error"`
	RMSE     float64  `json:"rms_error"`
	RelRMSE  float64  `json:"rel_rms_error"`
	Measure  string   `json:"measure"` // what Effect measures
	Effect   float64  `json:"effect"`  // the end-to-end error of this tensor alone
	Bound    float64  `json:"bound"`   // its own bound on Effect
	Rejected []string `json:"rejected,omitempty"`
	Escalate int      `json:"escalated,omitempty"` // steps up the ladder for the end-to-end bars

	Rounding string `json:"rounding,omitempty"` // "gptq" where round was used
	// FloorMin and FloorMax bound the rows' scale floors (quant.EncodeFloor)
	// where the tensor has them.
	FloorMin float64 `json:"scale_floor_min,omitempty"`
	FloorMax float64 `json:"scale_floor_max,omitempty"`
	Note     string  `json:"note,omitempty"` // why a decoder was not rounded with GPTQ

	kind  quant.Kind
	pos   int
	data  []float32 // float values
	floor []float32 // per row: the scale floor it is encoded with, or nil
	vals  []float32 // values as stored (dequantized)
	score func(vals []float32) (effect float64, ok bool, err error)
	// boundFrom, if set, gives Bound when the tensor is chosen, from the
	// tensors chosen before it (a decoder's share of the latent bar is what
	// its patterns leave).
	boundFrom func() float64
	// round, if set, returns the values stored in a quantized kind in
	// place of plain rounding (a decoder's calibrated rounding, gptq).
	round func(k quant.Kind) ([]float32, error)
	// floorRound, if set, rounds the tensor as q8 on a uniform grid of step
	// floor (a decoder of the PCA subjects: chooseFloor).
	floorRound func(floor float32) ([]float32, error)
}

// addTo adds the tensor as chosen to a bundle.
func (c *choice) addTo(w *bundle.Writer) {
	if c.floor != nil {
		w.AddFloat32Floor(c.Name, c.Shape, c.stored(), c.kind, c.floor)
		return
	}
	w.AddFloat32(c.Name, c.Shape, c.stored(), c.kind)
}

// stored returns the values to encode: the calibrated rounding where there
// is one (its values are a fixed point of the encoding), else the floats.
func (c *choice) stored() []float32 {
	if c.Rounding != "" {
		return c.vals
	}
	return c.data
}

// try measures the tensor stored at ladder position pos. ok reports that
// the tensor's own bound holds.
func (c *choice) try(pos int) (ok bool, err error) {
	k := ladder[pos]
	c.floor, c.FloorMin, c.FloorMax = nil, 0, 0
	var vals []float32
	rounding := ""
	if c.round != nil && k != quant.F16 && k != quant.F32 {
		rounding = "gptq"
		vals, err = c.round(k)
		if err == nil {
			// What the encoding will store: the calibrated values
			// encoded once more (they are its fixed point in practice).
			vals, err = quant.RoundTrip(k, c.Shape, vals)
		}
	} else {
		vals, err = quant.RoundTrip(k, c.Shape, c.data)
	}
	if err != nil {
		c.Rejected = append(c.Rejected, fmt.Sprintf("%v: %v", k, err))
		return false, nil
	}
	eff, ok, err := c.score(vals)
	if err != nil {
		return false, fmt.Errorf("tensor %s: %w", c.Name, err)
	}
	if !ok && k != quant.F32 {
		why := fmt.Sprintf("%v: %s %.3g > %.3g", k, c.Measure, eff, c.Bound)
		if eff <= c.Bound {
			// Within its bound, so the score's other test failed.
			why = fmt.Sprintf("%v: %s %.3g is within %.3g, but an all-voxel pairwise outcome flips", k, c.Measure, eff, c.Bound)
		}
		c.Rejected = append(c.Rejected, why)
		return false, nil
	}
	c.pos, c.kind, c.Kind, c.vals, c.Effect, c.Rounding = pos, k, k.String(), vals, eff, rounding
	c.MaxAbs, c.RMSE, c.RelRMSE = quant.Error(c.data, vals)
	c.Bytes, _ = quant.EncodedSize(k, c.Shape)
	c.F32Bytes, _ = quant.EncodedSize(quant.F32, c.Shape)
	return true, nil
}

// choose walks the ladder from pos and keeps the first encoding that meets
// the tensor's own bound (f32 always does).
func (c *choice) choose(pos int) error {
	for ; pos < len(ladder); pos++ {
		ok, err := c.try(pos)
		if err != nil {
			return err
		}
		if ok {
			return nil
		}
	}
	return fmt.Errorf("tensor %s: no encoding could be measured", c.Name)
}

// chooseFloor stores a tensor with floorRound as q8 on one uniform grid,
// whose step it chooses: the coarsest (by bisection on its logarithm, to
// within a factor 1.2) between a sixteenth of the q8 step of the tensor's
// largest value (each row then keeps its own q8 step but for the smallest
// rows) and four times its RMS at which the tensor's own bound holds. A uniform step
// is the right grid for a decoder whose columns (latent dimensions) differ
// in scale by orders of magnitude, as the PCA latent's do: every dimension
// of a decoded latent gets the same absolute error, which is what its
// correlation weighs, and the columns far below the step round to zero,
// which brotli stores in a fraction of a bit per value. Where even the
// finest step misses the bound, the ladder from q8 decides.
func (c *choice) chooseFloor() error {
	var ss, m float64
	for _, v := range c.data {
		ss += float64(v) * float64(v)
		m = max(m, math.Abs(float64(v)))
	}
	rows, _, err := quant.Layout(c.Shape)
	if err != nil || len(c.data) == 0 || m == 0 {
		return c.choose(slices.Index(ladder, quant.Q8))
	}
	at := func(step float64) (bool, error) {
		vals, err := c.floorRound(float32(step))
		if err != nil {
			return false, err
		}
		eff, ok, err := c.score(vals)
		if err != nil || !ok {
			if err == nil {
				c.Rejected = append(c.Rejected, fmt.Sprintf("q8 on a uniform grid of step %.3g: %s %.3g over %.3g or a flipped pair", step, c.Measure, eff, c.Bound))
			}
			return false, err
		}
		floor := make([]float32, rows)
		for i := range floor {
			floor[i] = float32(step)
		}
		c.pos, c.kind, c.Kind, c.vals, c.Effect, c.Rounding = slices.Index(ladder, quant.Q8), quant.Q8, quant.Q8.String(), vals, eff, "gptq"
		c.floor, c.FloorMin, c.FloorMax = floor, step, step
		c.MaxAbs, c.RMSE, c.RelRMSE = quant.Error(c.data, vals)
		c.Bytes, _ = quant.EncodedSize(quant.Q8, c.Shape)
		c.F32Bytes, _ = quant.EncodedSize(quant.F32, c.Shape)
		return true, nil
	}
	fine, coarse := m/127/16, 4*math.Sqrt(ss/float64(len(c.data)))
	if coarse <= fine {
		coarse = 2 * fine
	}
	if ok, err := at(coarse); err != nil || ok {
		return err
	}
	if ok, err := at(fine); err != nil {
		return err
	} else if !ok {
		return c.choose(slices.Index(ladder, quant.Q8))
	}
	for coarse/fine > 1.2 {
		mid := math.Sqrt(fine * coarse)
		ok, err := at(mid)
		if err != nil {
			return err
		}
		if ok {
			fine = mid
		} else {
			coarse = mid
		}
	}
	_, err = at(fine) // the last accepted step (the bisection may have tried a coarser one last)
	return err
}

// settle chooses every tensor's encoding, then, while pass reports that the
// chosen set misses an end-to-end bar, moves the tensor whose effect is
// largest relative to its bound one step up the ladder.
func settle(cs []*choice, pass func() (bool, error)) error {
	for _, c := range cs {
		if c.boundFrom != nil {
			c.Bound = c.boundFrom()
		}
		choose := func() error { return c.choose(0) }
		if c.floorRound != nil {
			choose = c.chooseFloor
		}
		if err := choose(); err != nil {
			return err
		}
	}
	for {
		ok, err := pass()
		if err != nil || ok {
			return err
		}
		var worst *choice
		for _, c := range cs {
			if c.kind == quant.F32 {
				continue
			}
			if worst == nil || ratio(c) > ratio(worst) {
				worst = c
			}
		}
		if worst == nil {
			return nil // everything is float32: the verification will report the bar it misses
		}
		worst.Escalate++
		if step := float64(worst.floor0()) / 2; step > 0 && step*127 >= maxAbs(worst.data) {
			// A uniform grid steps up by halving its step, down to q8's own.
			vals, err := worst.floorRound(float32(step))
			if err != nil {
				return err
			}
			eff, _, err := worst.score(vals)
			if err != nil {
				return err
			}
			for i := range worst.floor {
				worst.floor[i] = float32(step)
			}
			worst.vals, worst.Effect, worst.FloorMin, worst.FloorMax = vals, eff, step, step
			worst.MaxAbs, worst.RMSE, worst.RelRMSE = quant.Error(worst.data, vals)
			continue
		}
		if err := worst.choose(worst.pos + 1); err != nil {
			return err
		}
	}
}

// floor0 is the tensor's scale floor, 0 where it has none.
func (c *choice) floor0() float32 {
	if len(c.floor) == 0 {
		return 0
	}
	return c.floor[0]
}

func maxAbs(x []float32) float64 {
	var m float64
	for _, v := range x {
		m = max(m, math.Abs(float64(v)))
	}
	return m
}

func ratio(c *choice) float64 {
	if c.Bound == 0 {
		return math.Inf(1)
	}
	return c.Effect / c.Bound
}

// values maps tensor names to their stored values.
func values(cs []*choice) map[string][]float32 {
	m := map[string][]float32{}
	for _, c := range cs {
		m[c.Name] = c.vals
	}
	return m
}

// overlay is a lookup that takes the given values first, then base.
func overlay(base lookup, over map[string][]float32) lookup {
	return func(name string) []float32 {
		if v, ok := over[name]; ok {
			return v
		}
		return base(name)
	}
}

// relBound scores a tensor by its relative RMS error alone.
func relBound(c *choice, bound float64) {
	c.Measure, c.Bound = "relative RMS error", bound
	c.score = func(vals []float32) (float64, bool, error) {
		_, _, rel := quant.Error(c.data, vals)
		return rel, rel <= bound, nil
	}
}

// sortChoices orders a report's rows: bundle, then name.
func sortChoices(cs []*choice) {
	slices.SortFunc(cs, func(a, b *choice) int {
		if a.Bundle != b.Bundle {
			if a.Bundle == "generator" {
				return -1
			}
			if b.Bundle == "generator" {
				return 1
			}
			if a.Bundle < b.Bundle {
				return -1
			}
			return 1
		}
		if a.Name < b.Name {
			return -1
		}
		if a.Name > b.Name {
			return 1
		}
		return 0
	})
}
