package sim

import (
	"math"
	"math/rand/v2"
)

// Grid is the voxel grid of the simulated images: Dims voxels along x (left →
// right), y (posterior → anterior) and z (inferior → superior), stored x
// fastest as in NIfTI.
type Grid struct {
	Dims    [3]int
	VoxelMM float64
}

// Len is the number of voxels.
func (g Grid) Len() int { return g.Dims[0] * g.Dims[1] * g.Dims[2] }

// Index is the linear index of voxel (i, j, k).
func (g Grid) Index(i, j, k int) int { return i + g.Dims[0]*(j+g.Dims[1]*k) }

// Coords is the inverse of Index.
func (g Grid) Coords(n int) (i, j, k int) {
	i = n % g.Dims[0]
	n /= g.Dims[0]
	return i, n % g.Dims[1], n / g.Dims[1]
}

// Affine is the voxel → world (mm, RAS) matrix: isotropic voxels, the grid
// centred on the origin.
func (g Grid) Affine() [4][4]float64 {
	var m [4][4]float64
	for a := 0; a < 3; a++ {
		m[a][a] = g.VoxelMM
		m[a][3] = -g.VoxelMM * float64(g.Dims[a]-1) / 2
	}
	m[3][3] = 1
	return m
}

// smoothField draws white noise on the grid, blurs it with a Gaussian of
// sigma voxels (separable, edges reflected) and rescales it to mean 0 and
// standard deviation 1 over the voxels where keep is true (all when nil).
func smoothField(rng *rand.Rand, g Grid, sigma float64, keep []bool) []float64 {
	f := make([]float64, g.Len())
	for i := range f {
		f[i] = rng.NormFloat64()
	}
	blur(f, g, sigma)
	standardize(f, keep)
	return f
}

// blur convolves f with a separable Gaussian of sigma voxels.
func blur(f []float64, g Grid, sigma float64) {
	r := int(math.Ceil(2.5 * sigma))
	w := make([]float64, 2*r+1)
	var sum float64
	for i := range w {
		d := float64(i - r)
		w[i] = math.Exp(-d * d / (2 * sigma * sigma))
		sum += w[i]
	}
	for i := range w {
		w[i] /= sum
	}
	stride := [3]int{1, g.Dims[0], g.Dims[0] * g.Dims[1]}
	tmp := make([]float64, len(f))
	for axis := 0; axis < 3; axis++ {
		n, s := g.Dims[axis], stride[axis]
		for idx := range f {
			c := idx / s % n
			var acc float64
			for t, wt := range w {
				p := reflect(c+t-r, n)
				acc += wt * f[idx+(p-c)*s]
			}
			tmp[idx] = acc
		}
		copy(f, tmp)
	}
}

// reflect maps an index outside [0,n) back inside by mirroring at the edges.
func reflect(p, n int) int {
	if n == 1 {
		return 0
	}
	for p < 0 || p >= n {
		if p < 0 {
			p = -p - 1
		}
		if p >= n {
			p = 2*n - p - 1
		}
	}
	return p
}

func standardize(f []float64, keep []bool) {
	var s, ss, n float64
	for i, v := range f {
		if keep == nil || keep[i] {
			s += v
			ss += v * v
			n++
		}
	}
	if n < 2 {
		return
	}
	mean := s / n
	sd := math.Sqrt(math.Max(ss/n-mean*mean, 1e-24))
	for i := range f {
		f[i] = (f[i] - mean) / sd
	}
}
