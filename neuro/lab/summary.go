package lab

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math"
)

// Summary is a run's outcome in a form two runtimes can compare: the page
// publishes it for the end-to-end test and site/labrun prints it for the
// same settings natively; equal summaries mean the same decoder and the same
// accuracy, down to the bits of the decoded latents (Digest).
type Summary struct {
	Config       Config  `json:"config"`
	Voxels       int     `json:"voxels"`
	PairCorrect  int     `json:"pair_correct"`
	Pairs        int     `json:"pairs"`
	Pairwise     float64 `json:"pairwise"`
	PairwiseP    float64 `json:"pairwise_p"`
	OneOfCorrect int     `json:"one_of_20_correct"`
	OneOfP       float64 `json:"one_of_20_p"`
	Digest       string  `json:"digest"`
}

// Summarize returns r's summary.
func (r *Result) Summarize() Summary {
	return Summary{Config: r.Config, Voxels: r.Voxels, PairCorrect: r.Pairwise.Correct, Pairs: r.Pairwise.Pairs,
		Pairwise: r.Pairwise.Accuracy, PairwiseP: r.PairwiseP, OneOfCorrect: r.OneOf.Correct, OneOfP: r.OneOf.P,
		Digest: r.Digest()}
}

// Digest is the first 16 hex digits of the SHA-256 of the decoded latents'
// float32 bits (little-endian): equal digests mean bit-identical decoders'
// outputs.
func (r *Result) Digest() string {
	h := sha256.New()
	var b [4]byte
	for _, v := range r.Decoded {
		binary.LittleEndian.PutUint32(b[:], math.Float32bits(v))
		h.Write(b[:])
	}
	return hex.EncodeToString(h.Sum(nil)[:8])
}
