package main

import (
	"fmt"
	"math"
	"slices"

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
	Note     string `json:"note,omitempty"`     // why a decoder was not rounded with GPTQ

	kind  quant.Kind
	pos   int
	data  []float32 // float values
	vals  []float32 // values as stored (dequantized)
	score func(vals []float32) (effect float64, ok bool, err error)
	// round, if set, returns the values stored in a quantized kind in
	// place of plain rounding (a decoder's calibrated rounding, gptq).
	round func(k quant.Kind) ([]float32, error)
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

// settle chooses every tensor's encoding, then, while pass reports that the
// chosen set misses an end-to-end bar, moves the tensor whose effect is
// largest relative to its bound one step up the ladder.
func settle(cs []*choice, pass func() (bool, error)) error {
	for _, c := range cs {
		if err := c.choose(0); err != nil {
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
		if err := worst.choose(worst.pos + 1); err != nil {
			return err
		}
	}
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
