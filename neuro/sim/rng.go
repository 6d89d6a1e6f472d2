package sim

import (
	"hash/fnv"
	"math/rand/v2"
)

// newRNG returns a generator for one purpose. Streams are keyed by the seed and
// by labels (subject, purpose, run…), so that adding a subject or running the
// work in another order never changes another stream.
func newRNG(seed int64, labels ...string) *rand.Rand {
	h := fnv.New64a()
	for _, l := range labels {
		h.Write([]byte(l))
		h.Write([]byte{0})
	}
	k := h.Sum64()
	return rand.New(rand.NewPCG(mix(uint64(seed)^0x9e3779b97f4a7c15), mix(k)))
}

// mix is the splitmix64 finaliser: it spreads nearby seeds far apart.
func mix(z uint64) uint64 {
	z += 0x9e3779b97f4a7c15
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}
