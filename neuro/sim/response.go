package sim

import (
	"context"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// voxelResponses returns each cortical voxel's drive for each stimulus: a
// rows × V matrix, each column with mean 0 and standard deviation 1 over the
// rows. feat holds the rows' z-scored feature vectors, attr their z-scored
// attributes (rows × nAttr). The drive is VisMix × (the voxel's channel
// weights applied to its receptive-field-pooled features, standardised) +
// AttrMix × (its attribute weights applied to the attributes, standardised).
func voxelResponses(ctx context.Context, feat, attr []float32, rows, nAttr int, t *Tuning, tick func()) ([]float32, error) {
	out, err := visualDrive(ctx, feat, rows, t, tick)
	if err != nil {
		return nil, err
	}
	mean, cov := attrMoments(attr, rows, nAttr)
	mixAttributes(out, attr, rows, nAttr, mean, cov, t)
	return out, nil
}

// visualDrive is each voxel's channel weights applied to its
// receptive-field-pooled features, rows × V, standardized per voxel. Rows
// are spread over GOMAXPROCS workers; each writes its own rows only.
func visualDrive(ctx context.Context, feat []float32, rows int, t *Tuning, tick func()) ([]float32, error) {
	V := len(t.ROI)
	out := make([]float32, rows*V)
	bw := bankWeights()
	workers := min(runtime.GOMAXPROCS(0), max(1, rows))
	var next atomic.Int64
	var wg sync.WaitGroup
	var cancelled atomic.Bool
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pooled := make([]float32, bankLen()*NumChannels)
			tmp := make([]float64, bankSide*FeatureCells)
			for {
				r := int(next.Add(1) - 1)
				if r >= rows {
					return
				}
				if r%64 == 0 && ctx.Err() != nil {
					cancelled.Store(true)
					return
				}
				poolBank(feat[r*NumFeatures:(r+1)*NumFeatures], bw, pooled, tmp)
				dst := out[r*V : (r+1)*V]
				for v := range dst {
					p := pooled[int(t.bank[v])*NumChannels : (int(t.bank[v])+1)*NumChannels]
					w := t.ChanW[v*NumChannels : (v+1)*NumChannels]
					var s float32
					for k, x := range p {
						s += w[k] * x
					}
					dst[v] = s
				}
				if tick != nil {
					tick()
				}
			}
		}()
	}
	wg.Wait()
	if cancelled.Load() {
		return nil, ctx.Err()
	}
	standardizeColumns(out, rows, V)
	return out, nil
}

// attrMoments are the attributes' mean and covariance over the rows
// (nAttr × nAttr, full): the attribute part's mean and variance per voxel
// follow from them without a pass over the rows per voxel.
func attrMoments(attr []float32, rows, nAttr int) (mean, cov []float64) {
	mean = make([]float64, nAttr)
	cov = make([]float64, nAttr*nAttr)
	for r := 0; r < rows; r++ {
		a := attr[r*nAttr : (r+1)*nAttr]
		for i, x := range a {
			mean[i] += float64(x)
			for j := 0; j <= i; j++ {
				cov[i*nAttr+j] += float64(x) * float64(a[j])
			}
		}
	}
	for i := range mean {
		mean[i] /= float64(max(rows, 1))
	}
	for i := 0; i < nAttr; i++ {
		for j := 0; j <= i; j++ {
			c := cov[i*nAttr+j]/float64(max(rows, 1)) - mean[i]*mean[j]
			cov[i*nAttr+j], cov[j*nAttr+i] = c, c
		}
	}
	return mean, cov
}

// mixAttributes turns out (the standardized visual drive, rows × V) into
// each voxel's final drive: VisMix × visual + AttrMix × its standardized
// attribute part.
func mixAttributes(out, attr []float32, rows, nAttr int, mean, cov []float64, t *Tuning) {
	V := len(t.ROI)
	for v := 0; v < V; v++ {
		vm := t.VisMix[v]
		am := t.AttrMix[v]
		if am == 0 || nAttr == 0 {
			if vm != 1 {
				for r := 0; r < rows; r++ {
					out[r*V+v] *= float32(vm)
				}
			}
			continue
		}
		u := t.AttrW[v*nAttr : (v+1)*nAttr]
		var mu, va float64
		for i := range u {
			mu += float64(u[i]) * mean[i]
			for j := range u {
				va += float64(u[i]) * float64(u[j]) * cov[i*nAttr+j]
			}
		}
		scale := 0.0
		if va > 1e-12 {
			scale = am / math.Sqrt(va)
		}
		for r := 0; r < rows; r++ {
			a := attr[r*nAttr : (r+1)*nAttr]
			var s float64
			for i, x := range a {
				s += float64(u[i]) * float64(x)
			}
			out[r*V+v] = float32(vm*float64(out[r*V+v]) + scale*(s-mu))
		}
	}
}

// poolBank pools one feature vector with every receptive field of the bank:
// dst[entry·NumChannels + channel]. Windows are separable: rows first, then
// columns. tmp holds bankSide × FeatureCells values.
func poolBank(f []float32, bw [][]float64, dst []float32, tmp []float64) {
	const C = FeatureCells
	cc := C * C
	for s, w := range bw {
		for k := 0; k < NumChannels; k++ {
			m := f[k*cc : (k+1)*cc]
			for iy := 0; iy < bankSide; iy++ {
				wy := w[iy*C : (iy+1)*C]
				for cx := 0; cx < C; cx++ {
					var acc float64
					for cy := 0; cy < C; cy++ {
						acc += wy[cy] * float64(m[cy*C+cx])
					}
					tmp[iy*C+cx] = acc
				}
			}
			for iy := 0; iy < bankSide; iy++ {
				row := tmp[iy*C : (iy+1)*C]
				for ix := 0; ix < bankSide; ix++ {
					wx := w[ix*C : (ix+1)*C]
					var acc float64
					for cx, x := range row {
						acc += wx[cx] * x
					}
					dst[((s*bankSide+iy)*bankSide+ix)*NumChannels+k] = float32(acc)
				}
			}
		}
	}
}
