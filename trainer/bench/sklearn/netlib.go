//go:build netlib

package main

import (
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

// With -tags netlib, gonum's BLAS (and through it gonum's LAPACK) runs on
// the C library linked with CGO_LDFLAGS (OpenBLAS).
func init() { blas64.Use(netlib.Implementation{}) }
