//go:build !purego

package gorgoniablas

import (
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"

	"fmriface/util/fastblas"
)

// Use installs OpenBLAS for gorgonia and gonum and returns its name.
func Use() string {
	G.Use(netlib.Implementation{})
	return fastblas.Use()
}
