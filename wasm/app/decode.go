package app

import (
	"errors"
	"fmt"

	"fmriface/infer/gemm"
	"fmriface/infer/site"
)

// latentStepMACs bounds the multiply-adds of one Decoder.StepLatent: about
// half a millisecond under WebAssembly.
const latentStepMACs = 1 << 20

// Decoder maps patterns to latents (ẑ = y[roi] · D + m) and latents to RGBA
// images, either in one call or in slices, in one latent space: the face
// model's (NewDecoder: images from its generator) or the PCA baseline's
// (NewPCADecoder: images mean + Σ zₖ·componentₖ). It owns its buffers, so a
// steady stream of decodes allocates nothing; it is not safe for concurrent
// use.
type Decoder struct {
	m    *site.Model // nil for a PCA decoder
	pca  *site.PCA   // nil for the face model's
	l    int         // latent dimensions
	side int         // images are side×side
	ws   gemm.Workspace
	y    []float32 // the pattern gathered in the decoder's row order
	img  []float32 // CHW scratch for one image
	rows []float32 // decoder rows dequantized for one step (ROI.Rows)

	// The latent being computed by StepLatent.
	roi     *site.ROI
	pattern []float32
	z       []float32
	row     int

	// The batch being computed by StepLatents.
	broi     *site.ROI
	patterns func(i int) []float32
	zs       []float32
	n, brow  int
	ybuf     []float32 // n × batchRows gathered block of the patterns

	// The batch of faces being drawn by StepImages (PCA decoders).
	izs   []float32 // n × l latents
	imgs  []float32 // n × 3·S·S faces, summed a block of components at a time
	irgba func(i int) []byte
	in    int
	irow  int       // next component; l: the sums are complete
	basis []float32 // the block of components one step multiplies
}

// batchStepMACs bounds the multiply-adds of one StepLatents: a few
// milliseconds under WebAssembly.
const batchStepMACs = 1 << 22

// NewDecoder returns a decoder for patterns of up to maxVoxels voxels.
func NewDecoder(m *site.Model, maxVoxels int) *Decoder {
	return newDecoder(m, nil, m.Latent(), m.ImageSize(), maxVoxels)
}

// NewPCADecoder returns a decoder into the PCA space p, for patterns of up
// to maxVoxels voxels.
func NewPCADecoder(p *site.PCA, maxVoxels int) *Decoder {
	return newDecoder(nil, p, p.K, p.ImageSize, maxVoxels)
}

func newDecoder(m *site.Model, p *site.PCA, l, side, maxVoxels int) *Decoder {
	d := &Decoder{m: m, pca: p, l: l, side: side, y: make([]float32, maxVoxels), img: make([]float32, 3*side*side)}
	d.ws.Reserve(1, l, max(1, latentStepMACs/l))
	return d
}

// Model is the model the decoder uses (nil for a PCA decoder).
func (d *Decoder) Model() *site.Model { return d.m }

// ImageSize is the side of the decoder's images.
func (d *Decoder) ImageSize() int { return d.side }

// growVoxels makes room for single decodes of patterns of n voxels.
func (d *Decoder) growVoxels(n int) {
	if n > len(d.y) {
		d.y = make([]float32, n)
	}
}

// BeginLatent starts ẑ = pattern[roi.Index] · roi.Decoder + roi.Mean into z
// (length L); StepLatent does the work.
func (d *Decoder) BeginLatent(roi *site.ROI, pattern, z []float32) error {
	if len(roi.Index) > len(d.y) {
		return fmt.Errorf("demo: region %s has %d voxels, decoder sized for %d", roi.Name, len(roi.Index), len(d.y))
	}
	if len(z) != d.l || !roi.Fits(len(z)) || !meanFits(roi, len(z)) {
		return fmt.Errorf("demo: region %s: decoder does not have %d rows of %d values, or mean %d values",
			roi.Name, len(roi.Index), len(z), len(roi.Mean))
	}
	if !roi.Complete() {
		d.reserveRows(max(1, latentStepMACs/len(z)) * len(z))
	}
	d.roi, d.pattern, d.z, d.row = roi, pattern, z, 0
	clear(z)
	return nil
}

// StepLatent does the next block of rows of the product and reports whether
// the latent is complete.
func (d *Decoder) StepLatent() (done bool) {
	if d.roi == nil {
		return true
	}
	l := len(d.z)
	n := len(d.roi.Index)
	r0 := d.row
	r1 := min(n, r0+max(1, latentStepMACs/l))
	y := d.y[r0:r1]
	for k, v := range d.roi.Index[r0:r1] {
		y[k] = d.pattern[v]
	}
	if !d.roi.AddRows(r0, r1, y, d.z, d.rows) {
		d.ws.Mul(1, l, r1-r0, y, r1-r0, false, d.roi.Rows(r0, r1, l, d.rows), l, false, d.z, l, true)
	}
	d.row = r1
	if r1 == n {
		addMean(d.z, d.roi.Mean)
		d.roi = nil
		return true
	}
	return false
}

// meanFits reports whether roi's mean suits latents of size l (nil: none).
func meanFits(roi *site.ROI, l int) bool { return roi.Mean == nil || len(roi.Mean) == l }

// addMean adds the latent mean to each latent of zs (rows of len(mean)),
// after the product, as the analysis does: in place, no allocation.
func addMean(zs, mean []float32) {
	if len(mean) == 0 {
		return
	}
	for i := 0; i+len(mean) <= len(zs); i += len(mean) {
		z := zs[i : i+len(mean)]
		for j, m := range mean {
			z[j] += m
		}
	}
}

// BeginLatents starts decoding n patterns at once, Ẑ = Y[:, roi] · D + m into
// zs (n × L, m added to each row): the decoder matrix is read once for all of
// them instead of once per pattern, and the product runs through the packed
// matrix multiply, so decoding the 20 test faces together costs a fraction of
// 20 single decodes.
// pattern(i) returns the i-th pattern; StepLatents does the work.
func (d *Decoder) BeginLatents(roi *site.ROI, n int, pattern func(i int) []float32, zs []float32) error {
	l := d.l
	if n < 1 || len(zs) != n*l || !roi.Fits(l) || !meanFits(roi, l) {
		return fmt.Errorf("demo: region %s: batch of %d patterns, %d outputs, decoder not %d rows of %d values, or mean %d values",
			roi.Name, n, len(zs), len(roi.Index), l, len(roi.Mean))
	}
	rows := min(d.batchRows(n), len(roi.Index))
	if !roi.Complete() {
		d.reserveRows(rows * l)
	}
	if len(d.ybuf) < n*rows {
		d.ybuf = make([]float32, n*rows)
		d.ws.Reserve(n, l, rows)
	}
	d.broi, d.patterns, d.zs, d.n, d.brow = roi, pattern, zs, n, 0
	clear(zs)
	return nil
}

// reserveRows sizes the scratch for the rows of a decoder still encoded
// (once: later decodes of the same size allocate nothing; a dense decoder
// needs none).
func (d *Decoder) reserveRows(n int) {
	if len(d.rows) < n {
		d.rows = make([]float32, n)
	}
}

// batchRows is the number of decoder rows one StepLatents multiplies.
func (d *Decoder) batchRows(n int) int {
	return max(16, batchStepMACs/(n*d.l))
}

// StepLatents does the next block of decoder rows for the whole batch and
// reports whether the latents are complete.
func (d *Decoder) StepLatents() (done bool) {
	if d.broi == nil {
		return true
	}
	l, n := d.l, d.n
	r0 := d.brow
	r1 := min(len(d.broi.Index), r0+d.batchRows(n))
	k := r1 - r0
	idx := d.broi.Index[r0:r1]
	for i := range n {
		p := d.patterns(i)
		y := d.ybuf[i*k : (i+1)*k]
		for j, v := range idx {
			y[j] = p[v]
		}
	}
	d.ws.Mul(n, l, k, d.ybuf, k, false, d.broi.Rows(r0, r1, l, d.rows), l, false, d.zs, l, true)
	d.brow = r1
	if r1 == len(d.broi.Index) {
		addMean(d.zs, d.broi.Mean)
		d.broi, d.patterns = nil, nil
		return true
	}
	return false
}

// Latents decodes n patterns in one call (see BeginLatents).
func (d *Decoder) Latents(roi *site.ROI, n int, pattern func(i int) []float32, zs []float32) error {
	if err := d.BeginLatents(roi, n, pattern, zs); err != nil {
		return err
	}
	for !d.StepLatents() {
	}
	return nil
}

// Latent computes ẑ = pattern[roi.Index] · roi.Decoder + roi.Mean into z in
// one call.
func (d *Decoder) Latent(roi *site.ROI, pattern, z []float32) error {
	if err := d.BeginLatent(roi, pattern, z); err != nil {
		return err
	}
	for !d.StepLatent() {
	}
	return nil
}

// BeginImages starts drawing the faces of n PCA latents zs (n × K) into
// rgba(i) (S×S×4 bytes each); StepImages does the work. A face is the mean
// plus Σ zₖ·componentₖ, as Image draws it, but the basis is dequantized a
// block of components at a time, once for all n faces, and multiplied with
// the packed matrix multiply, where Image reads all K components from
// their encoded bands once per face (a third of the time per face under
// Node; BENCHMARKS.md). Only a PCA decoder draws batches (the generator
// draws one face at a time).
func (d *Decoder) BeginImages(n int, zs []float32, rgba func(i int) []byte) error {
	if d.pca == nil {
		return errors.New("demo: batches of faces are drawn by a PCA decoder only")
	}
	if n < 1 || len(zs) != n*d.l || rgba == nil {
		return fmt.Errorf("demo: batch of %d faces from %d latent values, want %d×%d and an output", n, len(zs), n, d.l)
	}
	for i := range n {
		if len(rgba(i)) != 4*d.side*d.side {
			return fmt.Errorf("demo: face %d of the batch has %d bytes for a %d×%d image", i, len(rgba(i)), d.side, d.side)
		}
	}
	dim := d.pca.D()
	rows := d.imageRows(n)
	if len(d.imgs) < n*dim {
		d.imgs = make([]float32, n*dim)
	}
	if len(d.basis) < rows*dim {
		d.basis = make([]float32, rows*dim)
	}
	d.ws.Reserve(n, dim, rows)
	for i := range n {
		copy(d.imgs[i*dim:(i+1)*dim], d.pca.Mean)
	}
	d.izs, d.irgba, d.in, d.irow = zs, rgba, n, 0
	return nil
}

// imageStepMACs bounds the multiply-adds of one StepImages: 3–4 ms under
// WebAssembly. Blocks of fewer components cost more per face, each pass
// over the batch's sums doing less work (Node, 20 faces of 3·64·64:
// 7.6 ms per face with 16 components a step, 6.5 with 32, 6.4 with 64).
const imageStepMACs = 1 << 23

// imageRows is the number of components one StepImages multiplies for a
// batch of n faces.
func (d *Decoder) imageRows(n int) int {
	return min(d.l, max(1, imageStepMACs/(n*d.pca.D())))
}

// StepImages multiplies the next block of components for the whole batch,
// or, once they are all summed, writes the faces' RGBA; it reports whether
// the faces are drawn.
func (d *Decoder) StepImages() (done bool) {
	if d.irgba == nil {
		return true
	}
	dim, n := d.pca.D(), d.in
	if r0 := d.irow; r0 < d.l {
		r1 := min(d.l, r0+d.imageRows(n))
		k := r1 - r0
		blk := d.basis[:k*dim]
		d.pca.Rows(r0, r1, blk)
		d.ws.Mul(n, dim, k, d.izs[r0:], d.l, false, blk, dim, false, d.imgs, dim, true)
		d.irow = r1
		return false
	}
	for i := range n {
		// ToRGBA clips to [0, 1] (NaN to 0) as PCA.Image does.
		if err := ToRGBA(d.imgs[i*dim:(i+1)*dim], d.side, d.irgba(i)); err != nil {
			panic(err) // BeginImages checked the sizes
		}
	}
	d.izs, d.irgba = nil, nil
	return true
}

// Images draws n PCA faces in one call (see BeginImages).
func (d *Decoder) Images(n int, zs []float32, rgba func(i int) []byte) error {
	if err := d.BeginImages(n, zs, rgba); err != nil {
		return err
	}
	for !d.StepImages() {
	}
	return nil
}

// Image draws the face of latent z into rgba (S×S×4 bytes) in one call:
// the generator's, or the PCA's.
func (d *Decoder) Image(z []float32, rgba []byte) error {
	if d.pca != nil {
		if len(z) != d.l {
			return fmt.Errorf("demo: PCA latent of %d values, want %d", len(z), d.l)
		}
		d.pca.Image(z, d.img)
	} else if err := d.m.Gen.Generate(z, d.img); err != nil {
		return err
	}
	return ToRGBA(d.img, d.side, rgba)
}

// DecodeFace decodes one pattern into its latent z and face image rgba: the
// unit of work whose cost the benchmarks report.
func (d *Decoder) DecodeFace(roi *site.ROI, pattern, z []float32, rgba []byte) error {
	if err := d.Latent(roi, pattern, z); err != nil {
		return err
	}
	return d.Image(z, rgba)
}

// ToRGBA converts a 3×S×S CHW image in [0,1] into opaque S×S RGBA bytes.
func ToRGBA(chw []float32, s int, rgba []byte) error {
	n := s * s
	if len(chw) != 3*n || len(rgba) != 4*n {
		return fmt.Errorf("demo: image of side %d needs %d values and %d bytes, have %d and %d", s, 3*n, 4*n, len(chw), len(rgba))
	}
	for p := range n {
		rgba[4*p] = unit8(chw[p])
		rgba[4*p+1] = unit8(chw[n+p])
		rgba[4*p+2] = unit8(chw[2*n+p])
		rgba[4*p+3] = 255
	}
	return nil
}

func unit8(x float32) byte {
	switch {
	case !(x > 0): // also NaN
		return 0
	case x >= 1:
		return 255
	}
	return byte(x*255 + 0.5)
}
