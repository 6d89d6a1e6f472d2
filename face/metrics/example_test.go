package metrics_test

import (
	"fmt"

	"fmriface/face/metrics"
)

// Reconstruction identification: row i of the matrix holds the correlations
// of reconstruction i with every original; it wins the pair (i, j) when it is
// closer to its own original than to original j.
func ExampleIdentification() {
	orig := []float32{
		0, 1, 2, 3, // face 0
		3, 1, 0, 2, // face 1
		1, 3, 0, 2, // face 2
	}
	rec := []float32{
		0, 1, 2, 2.5, // close to face 0
		2.5, 1, 0, 2, // close to face 1
		2, 1, 0, 3, // closer to face 1 than to face 2
	}
	corr := metrics.CorrMatrix(rec, orig, 3, 4)
	fmt.Printf("pairwise %.3f, 1-of-3 %.3f\n", metrics.Identification(corr, 3), metrics.Recognition(corr, 3))
	// Output: pairwise 0.833, 1-of-3 0.667
}
