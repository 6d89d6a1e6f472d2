// Package gorgoniablas picks the BLAS behind gorgonia (the trainer's
// computation graphs) and, through util/fastblas, behind gonum.
//
// Use installs OpenBLAS (gonum/netlib, cgo; Debian package libopenblas-dev)
// for both. UseForTraining does the same but keeps OpenBLAS on one thread
// and splits gorgonia's large float32 matrix products across goroutines
// instead, which leaves the CPU to the trainer's own parallel loops. Build
// with `-tags purego` to keep the pure-Go BLAS of gorgonia and gonum.
//
// It lives under trainer/ so that only the trainer links gorgonia: the
// exporter and the other commands set gonum's BLAS with util/fastblas.
package gorgoniablas
