// Package fastblas picks the BLAS behind gorgonia and gonum for the commands
// that do heavy linear algebra (training, PCA, GLM fits).
//
// By default it links OpenBLAS through gonum/netlib (cgo; Debian package
// libopenblas-dev), about 4–10× faster than pure Go on these shapes. Build with
// `-tags purego` to use gonum's pure-Go BLAS instead (no cgo, no system library).
package fastblas
