//go:build netlib

package glm

import (
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
)

// go test -tags netlib (with CGO_LDFLAGS=-lopenblas) runs the tests and
// benchmarks on OpenBLAS, as the commands built with that tag do.
func init() { blas64.Use(netlib.Implementation{}) }
