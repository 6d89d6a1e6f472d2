package nifti_test

import (
	"fmt"
	"io"
	"log"
	"os"
	"path/filepath"

	"fmriface/neuro/nifti"
)

// A simulator writes an int16 BOLD run with scaling volume by volume, and an
// analysis streams it back.
func Example() {
	dir, _ := os.MkdirTemp("", "nifti-example")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "sub-01_task-faces_run-01_bold.nii.gz")

	h := nifti.NewHeader(nifti.Int16, 4, 4, 3, 5) // x, y, z, volumes
	h.PixDim[1], h.PixDim[2], h.PixDim[3] = 3, 3, 3.2
	h.SetTR(2)
	h.SclSlope, h.SclInter = nifti.ScaleFor(nifti.Int16, 0, 2000) // the signal's range
	h.SetSform([4][4]float64{{3, 0, 0, -6}, {0, 3, 0, -6}, {0, 0, 3.2, -4.8}, {0, 0, 0, 1}}, nifti.XformScanner)

	w, err := nifti.Create(path, h)
	if err != nil {
		log.Fatal(err)
	}
	defer w.Abort() // drops the temporary file unless Close succeeded
	vol := make([]float32, w.VolumeLen())
	for t := 0; t < w.NumVolumes(); t++ {
		for i := range vol {
			vol[i] = 1000 + float32(t)
		}
		if err := w.WriteVolume(vol); err != nil {
			log.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		log.Fatal(err)
	}

	r, err := nifti.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer r.Close()
	fmt.Println(r.Header().DimString(), r.Header().Datatype, "TR", r.Header().TR())
	for {
		err := r.NextVolume(vol)
		if err == io.EOF {
			break
		}
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%.1f ", vol[0])
	}
	fmt.Println()
	// Output:
	// 4×4×3×5 int16 TR 2
	// 1000.0 1001.0 1002.0 1003.0 1004.0
}
