//go:build !purego

package fastblas

// #cgo LDFLAGS: -lopenblas
import "C"

import (
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

// Use installs OpenBLAS for gonum's blas64 and blas32 and returns its name.
func Use() string {
	blas64.Use(netlib.Implementation{})
	blas32.Use(netlib.Implementation{})
	return "openblas"
}
