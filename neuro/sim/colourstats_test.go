package sim

import (
	"math"
	"math/rand/v2"
	"testing"
)

// colourPool is a pool of n flat images whose channel c of face i is
// (i+1)·(c+1)/(4n), the left third of each image darker by 0.1.
func colourPool(n, size int) *Pool {
	return &Pool{Size: size, Faces: make([]PoolFace, n), Image: func(i int) []float32 {
		img := make([]float32, 3*size*size)
		for c := 0; c < 3; c++ {
			for y := 0; y < size; y++ {
				for x := 0; x < size; x++ {
					v := float32(i+1) * float32(c+1) / float32(4*n)
					if x < size/3 {
						v -= 0.1
					}
					img[c*size*size+y*size+x] = v
				}
			}
		}
		return img
	}}
}

func TestColourStats(t *testing.T) {
	const n, size = 5, 9
	s := colourStats(colourPool(n, size), []int{0, 4})
	for r, id := range []int{0, 4} {
		for c := 0; c < 3; c++ {
			v := float64(id+1) * float64(c+1) / (4 * n)
			row := s[r*numColourStats : (r+1)*numColourStats]
			if got, want := row[c], v-0.1/3; math.Abs(got-want) > 1e-6 {
				t.Errorf("face %d channel %d: whole-image mean %v, want %v", id, c, got, want)
			}
			for k := 0; k < colourGrid*colourGrid; k++ {
				want := v
				if k%colourGrid == 0 {
					want -= 0.1 // the left column of cells
				}
				if got := row[3+c*colourGrid*colourGrid+k]; math.Abs(got-want) > 1e-6 {
					t.Errorf("face %d channel %d cell %d: %v, want %v", id, c, k, got, want)
				}
			}
		}
	}
}

// Columns made of the statistics plus independent noise: the removal
// reports the share the statistics explained and leaves the noise, which
// no longer correlates with any statistic.
func TestRemoveColour(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const rows, cols = 400, 3
	s := make([]float64, rows*numColourStats)
	for i := range s {
		s[i] = rng.NormFloat64()
	}
	m := make([]float32, rows*cols)
	noise := make([]float64, rows*cols)
	for r := 0; r < rows; r++ {
		for c := 0; c < cols; c++ {
			noise[r*cols+c] = rng.NormFloat64()
			// Column c: statistic c plus unit noise, so R² ≈ 1/2.
			m[r*cols+c] = float32(s[r*numColourStats+c] + noise[r*cols+c] + 5)
		}
	}
	r2, err := removeColour(m, rows, cols, s)
	if err != nil {
		t.Fatal(err)
	}
	if r2 < 0.4 || r2 > 0.6 {
		t.Errorf("R² %.3f, want about 0.5", r2)
	}
	for c := 0; c < cols; c++ {
		for q := 0; q < numColourStats; q++ {
			var sx, sy, sxy, sxx, syy float64
			for r := 0; r < rows; r++ {
				x, y := s[r*numColourStats+q], float64(m[r*cols+c])
				sx, sy, sxy, sxx, syy = sx+x, sy+y, sxy+x*y, sxx+x*x, syy+y*y
			}
			n := float64(rows)
			corr := (sxy - sx*sy/n) / math.Sqrt((sxx-sx*sx/n)*(syy-sy*sy/n))
			if math.Abs(corr) > 1e-4 {
				t.Fatalf("column %d still correlates %.2g with statistic %d", c, corr, q)
			}
		}
	}
	if _, err := removeColour(m[:cols*10], 10, cols, s[:10*numColourStats]); err == nil {
		t.Error("10 images for 30 statistics: want an error")
	}
}
