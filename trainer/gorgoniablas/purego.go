//go:build purego

package gorgoniablas

import "fmriface/util/fastblas"

// Use keeps the pure-Go BLAS of gorgonia and gonum and returns its name.
func Use() string { return fastblas.Use() }

// UseForTraining is Use: gonum's BLAS has no worker threads of its own.
func UseForTraining() string { return Use() }
