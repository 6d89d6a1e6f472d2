// Package fastblas picks the BLAS behind gonum (blas64 and blas32) for the
// commands that do heavy linear algebra through gonum: PCA, the GLM fits, the
// exporter's calibrated rounding of the decoders.
//
// By default it links OpenBLAS through gonum/netlib (cgo; Debian package
// libopenblas-dev), about 4–10× faster than pure Go on these shapes. Build with
// `-tags purego` to use gonum's pure-Go BLAS instead (no cgo, no system library).
//
// Gorgonia's BLAS (the trainer's graphs) is set by package
// trainer/gorgoniablas, which calls Use for gonum's; this package does not
// import gorgonia, so the exporter does not link it.
package fastblas
