package sim

import (
	"context"
	"fmt"
	"math"
	"runtime"
	"sync"
	"sync/atomic"
)

// Feature maps: every channel is pooled onto a FeatureCells × FeatureCells
// grid of image cells (8 × 8 pixels each for a 64 × 64 image).
const (
	FeatureCells = 8
	numOri       = 4
	gaborHalf    = 5   // kernel radius in pixels (11 × 11 taps)
	gaborSigma   = 2.0 // Gaussian envelope, pixels at the kernel's own level
	gaborLambda  = 4.0 // wavelength, pixels at the kernel's own level
)

// Channel layout of a feature vector: NumChannels × FeatureCells² values,
// channel-major. Energies are Gabor quadrature-pair amplitudes; the pyramid
// level sets the spatial frequency (level 0: 16 cycles per image width at 64
// pixels, level 1: 8, level 2: 4).
var channelSpec = func() []channel {
	var cs []channel
	for l := 0; l < 3; l++ {
		for o := 0; o < numOri; o++ {
			cs = append(cs, channel{color: 0, level: l, ori: o})
		}
	}
	for c := 1; c <= 2; c++ { // colour opponency is coarse: levels 1 and 2 only
		for l := 1; l < 3; l++ {
			for o := 0; o < numOri; o++ {
				cs = append(cs, channel{color: c, level: l, ori: o})
			}
		}
	}
	for c := 0; c < 3; c++ {
		cs = append(cs, channel{color: c, level: -1})
	}
	return cs
}()

type channel struct {
	color int // 0 luminance, 1 R−G, 2 B−Y
	level int // pyramid level of a Gabor channel; -1 for a local mean
	ori   int
}

// NumChannels is the number of feature channels.
var NumChannels = len(channelSpec)

// NumFeatures is the length of one image's feature vector.
var NumFeatures = NumChannels * FeatureCells * FeatureCells

// ChannelNames names the channels, e.g. "L_sf0_ori45" or "RG_mean".
func ChannelNames() []string {
	colors := []string{"L", "RG", "BY"}
	out := make([]string, len(channelSpec))
	for i, c := range channelSpec {
		if c.level < 0 {
			out[i] = colors[c.color] + "_mean"
		} else {
			out[i] = fmt.Sprintf("%s_sf%d_ori%d", colors[c.color], c.level, c.ori*180/numOri)
		}
	}
	return out
}

// checkImageSize reports whether images of side size can be analysed: the
// three pyramid levels must each cover the 8 × 8 cells.
func checkImageSize(size int) error {
	if size < 32 || size > 1024 || size%32 != 0 {
		return fmt.Errorf("sim: image size %d: want a multiple of 32 between 32 and 1024", size)
	}
	return nil
}

// gaborKernels returns the even and odd kernels of each orientation, each
// with zero mean (no response to uniform light) and unit L2 norm.
func gaborKernels() [numOri][2][]float32 {
	var k [numOri][2][]float32
	n := 2*gaborHalf + 1
	for o := 0; o < numOri; o++ {
		th := float64(o) * math.Pi / numOri
		even := make([]float64, n*n)
		odd := make([]float64, n*n)
		env := make([]float64, n*n)
		var se, sg float64
		for y := -gaborHalf; y <= gaborHalf; y++ {
			for x := -gaborHalf; x <= gaborHalf; x++ {
				i := (y+gaborHalf)*n + x + gaborHalf
				xr := float64(x)*math.Cos(th) + float64(y)*math.Sin(th)
				g := math.Exp(-float64(x*x+y*y) / (2 * gaborSigma * gaborSigma))
				env[i] = g
				even[i] = g * math.Cos(2*math.Pi*xr/gaborLambda)
				odd[i] = g * math.Sin(2*math.Pi*xr/gaborLambda)
				se += even[i]
				sg += g
			}
		}
		for i := range even {
			even[i] -= env[i] * se / sg
		}
		for q, v := range [2][]float64{even, odd} {
			var nn float64
			for _, x := range v {
				nn += x * x
			}
			nn = math.Sqrt(nn)
			k[o][q] = make([]float32, len(v))
			for i, x := range v {
				k[o][q][i] = float32(x / nn)
			}
		}
	}
	return k
}

// featureExtractor computes feature vectors for images of one size. It holds
// scratch buffers: use one per goroutine.
type featureExtractor struct {
	size    int
	kernels [numOri][2][]float32
	planes  [3][3][]float32 // [colour][level] padded planes
	sides   [3]int          // unpadded side per level
	energy  []float32
}

func newFeatureExtractor(size int) *featureExtractor {
	e := &featureExtractor{size: size, kernels: gaborKernels()}
	for l := 0; l < 3; l++ {
		s := size >> l
		e.sides[l] = s
		p := s + 2*gaborHalf
		for c := 0; c < 3; c++ {
			e.planes[c][l] = make([]float32, p*p)
		}
	}
	return e
}

// compute writes the feature vector of img (CHW, RGB in [0,1], size × size)
// into out (NumFeatures values). Energies are square-rooted (a compressive
// contrast response, which also tames their heavy tails).
func (e *featureExtractor) compute(img, out []float32) {
	s := e.size
	n := s * s
	r, g, b := img[:n], img[n:2*n], img[2*n:3*n]
	cells := FeatureCells
	cellPx := s / cells
	// Level 0 planes and the local means.
	p0 := s + 2*gaborHalf
	means := make([]float64, 3*cells*cells)
	for y := 0; y < s; y++ {
		for x := 0; x < s; x++ {
			i := y*s + x
			lum := (r[i] + g[i] + b[i]) / 3
			rg := r[i] - g[i]
			by := b[i] - (r[i]+g[i])/2
			pi := (y+gaborHalf)*p0 + x + gaborHalf
			e.planes[0][0][pi], e.planes[1][0][pi], e.planes[2][0][pi] = lum, rg, by
			ci := (y/cellPx)*cells + x/cellPx
			means[ci] += float64(lum)
			means[cells*cells+ci] += float64(rg)
			means[2*cells*cells+ci] += float64(by)
		}
	}
	for c := 0; c < 3; c++ {
		padPlane(e.planes[c][0], s)
		for l := 1; l < 3; l++ {
			down2(e.planes[c][l-1], e.sides[l-1], e.planes[c][l], e.sides[l])
			padPlane(e.planes[c][l], e.sides[l])
		}
	}
	cc := cells * cells
	for ch, spec := range channelSpec {
		dst := out[ch*cc : (ch+1)*cc]
		if spec.level < 0 {
			inv := 1 / float64(cellPx*cellPx)
			for i := range dst {
				dst[i] = float32(means[spec.color*cc+i] * inv)
			}
			continue
		}
		e.pooledEnergy(spec, dst)
	}
}

// pooledEnergy evaluates the Gabor pair of one channel on a lattice of the
// channel's level (stride 2, or 1 on a level too small for that) and averages
// the amplitudes within each cell.
func (e *featureExtractor) pooledEnergy(spec channel, dst []float32) {
	side := e.sides[spec.level]
	stride := 2
	if side/2 < FeatureCells {
		stride = 1
	}
	npos := side / stride
	per := npos / FeatureCells
	plane := e.planes[spec.color][spec.level]
	pw := side + 2*gaborHalf
	ke, ko := e.kernels[spec.ori][0], e.kernels[spec.ori][1]
	kn := 2*gaborHalf + 1
	for i := range dst {
		dst[i] = 0
	}
	for py := 0; py < npos; py++ {
		y := py*stride + stride/2 // kernel centre, unpadded coordinates
		for px := 0; px < npos; px++ {
			x := px*stride + stride/2
			var se, so float32
			for ky := 0; ky < kn; ky++ {
				row := plane[(y+ky)*pw+x : (y+ky)*pw+x+kn]
				kr := ke[ky*kn : ky*kn+kn]
				kq := ko[ky*kn : ky*kn+kn]
				for kx, v := range row {
					se += kr[kx] * v
					so += kq[kx] * v
				}
			}
			dst[(py/per)*FeatureCells+px/per] += float32(math.Sqrt(math.Sqrt(float64(se*se + so*so))))
		}
	}
	inv := 1 / float32(per*per)
	for i := range dst {
		dst[i] *= inv
	}
}

// padPlane fills the gaborHalf-wide border of a padded plane by replicating
// the edge pixels.
func padPlane(p []float32, side int) {
	h := gaborHalf
	w := side + 2*h
	for y := h; y < h+side; y++ {
		row := p[y*w : (y+1)*w]
		for x := 0; x < h; x++ {
			row[x] = row[h]
			row[w-1-x] = row[h+side-1]
		}
	}
	for y := 0; y < h; y++ {
		copy(p[y*w:(y+1)*w], p[h*w:(h+1)*w])
		copy(p[(w-1-y)*w:(w-y)*w], p[(h+side-1)*w:(h+side)*w])
	}
}

// down2 box-averages the interior of padded plane src (side s) into the
// interior of padded plane dst (side s/2).
func down2(src []float32, s int, dst []float32, d int) {
	h := gaborHalf
	ws, wd := s+2*h, d+2*h
	for y := 0; y < d; y++ {
		for x := 0; x < d; x++ {
			a := (2*y+h)*ws + 2*x + h
			dst[(y+h)*wd+x+h] = (src[a] + src[a+1] + src[a+ws] + src[a+ws+1]) / 4
		}
	}
}

// imageFeatures computes the feature vectors of the images image(i) for i in
// ids, in parallel, into a len(ids) × NumFeatures matrix. tick, if not nil,
// is called once per image.
func imageFeatures(ctx context.Context, size int, image func(int) []float32, ids []int, tick func()) ([]float32, error) {
	if err := checkImageSize(size); err != nil {
		return nil, err
	}
	out := make([]float32, len(ids)*NumFeatures)
	workers := min(runtime.GOMAXPROCS(0), max(1, len(ids)))
	var next atomic.Int64
	var wg sync.WaitGroup
	var firstErr error
	var once sync.Once
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fe := newFeatureExtractor(size)
			for {
				k := int(next.Add(1) - 1)
				if k >= len(ids) {
					return
				}
				if k%64 == 0 && ctx.Err() != nil {
					once.Do(func() { firstErr = ctx.Err() })
					return
				}
				img := image(ids[k])
				if len(img) != 3*size*size {
					once.Do(func() {
						firstErr = fmt.Errorf("sim: image %d has %d values, want 3×%d×%d", ids[k], len(img), size, size)
					})
					return
				}
				fe.compute(img, out[k*NumFeatures:(k+1)*NumFeatures])
				if tick != nil {
					tick()
				}
			}
		}()
	}
	wg.Wait()
	if firstErr != nil {
		return nil, firstErr
	}
	return out, nil
}

// standardizeColumns rescales each column of the rows × cols matrix m to mean
// 0 and standard deviation 1 (a constant column becomes 0).
func standardizeColumns(m []float32, rows, cols int) {
	if rows == 0 {
		return
	}
	mean := make([]float64, cols)
	sq := make([]float64, cols)
	for r := 0; r < rows; r++ {
		row := m[r*cols : (r+1)*cols]
		for c, v := range row {
			mean[c] += float64(v)
			sq[c] += float64(v) * float64(v)
		}
	}
	scale := make([]float64, cols)
	for c := range mean {
		mean[c] /= float64(rows)
		v := sq[c]/float64(rows) - mean[c]*mean[c]
		if v > 1e-12 {
			scale[c] = 1 / math.Sqrt(v)
		}
	}
	for r := 0; r < rows; r++ {
		row := m[r*cols : (r+1)*cols]
		for c, v := range row {
			row[c] = float32((float64(v) - mean[c]) * scale[c])
		}
	}
}
