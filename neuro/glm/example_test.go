package glm_test

import (
	"fmt"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"fmriface/neuro/glm"
)

// Two runs of faces with one parametric modulator, and fixation trials left
// unmodelled (they are the baseline, so the face regressor measures face
// against fixation), fitted for two voxels; then the face t and the
// modulator F.
func Example() {
	rng := rand.New(rand.NewPCG(1, 2))
	var runs []glm.Run
	for r := 0; r < 2; r++ {
		var face []glm.Event
		var mod []float64
		for on := 6.0; on < 340; on += 3 {
			if rng.IntN(4) != 0 { // else a fixation trial

				face = append(face, glm.Event{Onset: on, Duration: 1})
				mod = append(mod, rng.NormFloat64())
			}
		}
		runs = append(runs, glm.Run{
			NumScans: 180,
			Conditions: []glm.Condition{
				{Name: "face", Events: face, Modulators: mat.NewDense(len(face), 1, mod), ModulatorNames: []string{"z1"}},
			},
		})
	}
	d, err := glm.BuildDesign(runs, glm.DesignOptions{TR: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	// Voxel 0 responds to faces (2 above fixation) and to the modulator
	// (1.5); voxel 1 to nothing. Both have an offset, a drift and noise.
	truth := mat.NewDense(2, 2, []float64{2, 0, 1.5, 0})
	var Y mat.Dense
	Y.Mul(d.Task, truth)
	n, _ := Y.Dims()
	for i := 0; i < n; i++ {
		for v := 0; v < 2; v++ {
			Y.Set(i, v, Y.At(i, v)+50+0.01*float64(i%180)+0.1*rng.NormFloat64())
		}
	}
	res, err := d.Fit(&Y, glm.FitOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(d.TaskNames)
	fmt.Printf("voxel 0: face %.1f, z1 %.1f\n", res.Beta.At(0, 0), res.Beta.At(1, 0))
	c, _ := res.Contrast(map[string]float64{"face": 1})
	t, _ := res.T(c)
	_, mods, _ := d.ConditionColumns("face")
	f, _ := res.F(mods)
	fmt.Printf("face: t > 10 %v; modulator: F > 100 %v\n", []bool{t[0] > 10, t[1] > 10}, []bool{f[0] > 100, f[1] > 100})
	// Output:
	// [face face×z1]
	// voxel 0: face 2.0, z1 1.5
	// face: t > 10 [true false]; modulator: F > 100 [true false]
}
