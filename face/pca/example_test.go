package pca_test

import (
	"fmt"

	"fmriface/face/pca"
)

// Points on a tilted line in 3-D: one component explains everything, and
// decoding the coefficient gives the point back.
func Example() {
	var x []float32
	for i := range 10 {
		t := float32(i)
		x = append(x, 1+t, 2+2*t, 3-t)
	}
	m, err := pca.Fit(x, 10, 3, 1, 1, pca.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	coef := make([]float32, 1)
	img := make([]float32, 3)
	m.Encode(x[6:9], coef)
	m.Decode(coef, img)
	fmt.Printf("kept %.3f of the variance; row 2 → %.2f → %.2f\n", m.ExplainedRatio(), coef[0], img)
	// Output: kept 1.000 of the variance; row 2 → -6.12 → [3.00 6.00 1.00]
}
