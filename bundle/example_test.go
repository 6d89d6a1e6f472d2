package bundle_test

import (
	"fmt"
	"log"

	"fmriface/bundle"
	"fmriface/bundle/quant"
)

func Example() {
	w := bundle.NewWriter()
	w.SetProvenance(bundle.Provenance{Command: []string{"exporter"}, Seed: 1, Subject: "sub-01", VoxelCount: 4})
	w.AddFloat32("decoder.w", []int{2, 4}, []float32{0.5, -1, 0.25, 0, 3.5, 0, -0.5, 1}, quant.Q8)
	w.AddInt16("voxels.ijk", []int{4, 3}, []int16{0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1})
	data, err := w.Bytes()
	if err != nil {
		log.Fatal(err)
	}

	b, err := bundle.Parse(data, bundle.Limits{})
	if err != nil {
		log.Fatal(err)
	}
	subject, _ := b.MetaString(bundle.KeySubject)
	info, _ := b.Tensor("decoder.w")
	x, _ := b.Float32("decoder.w") // q8: within half a step (max|row|/254) of the input
	fmt.Println(len(data), "bytes, subject", subject)
	fmt.Println(info.DType, info.Shape, info.Offset%bundle.Alignment == 0)
	fmt.Println(x)
	// Output:
	// 480 bytes, subject sub-01
	// q8 [2 4] true
	// [0.503937 -1 0.2519685 0 3.5 0 -0.496063 0.992126]
}
