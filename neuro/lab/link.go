package lab

import (
	"fmt"
	"net/url"
	"strconv"
)

// Links. A lab run is reproduced exactly by its link parameters, as the
// app's other panels are: ?panel=lab&subject=sub-02&space=pca&train=4000&
// reps=10&noise=6&region=temporal&voxels=1500&decoder=ridge&lambda=0.1&seed=3
// (the panel parameter is the app's). Parameters equal to the defaults
// (DefaultConfig) are left out.

// Query writes c's parameters into q (other parameters are kept), leaving
// out those equal to DefaultConfig's; firstSubject is left out too.
func (c Config) Query(q url.Values, firstSubject string) url.Values {
	out := url.Values{}
	for k, v := range q {
		out[k] = append([]string(nil), v...)
	}
	d := DefaultConfig(firstSubject)
	set := func(key, val, dflt string) {
		if val == dflt {
			out.Del(key)
		} else {
			out.Set(key, val)
		}
	}
	ftoa := func(x float64) string { return strconv.FormatFloat(x, 'g', -1, 64) }
	set("subject", c.Subject, d.Subject)
	set("space", c.Space, d.Space)
	set("train", strconv.Itoa(c.Train), strconv.Itoa(d.Train))
	set("reps", strconv.Itoa(c.Reps), strconv.Itoa(d.Reps))
	set("noise", ftoa(c.Noise), ftoa(d.Noise))
	set("region", c.Region, d.Region)
	set("voxels", strconv.Itoa(c.Voxels), strconv.Itoa(d.Voxels))
	set("decoder", c.Decoder, d.Decoder)
	if c.Decoder == DecoderRidge {
		out.Set("lambda", ftoa(c.Lambda))
	} else {
		out.Del("lambda")
	}
	set("seed", strconv.FormatUint(c.Seed, 10), strconv.FormatUint(d.Seed, 10))
	return out
}

// ParseQuery reads a configuration from link parameters, starting from
// DefaultConfig(firstSubject). A parameter it cannot read keeps its default
// and is named in problems, for the page to report; ranges are checked
// against the data by Config.Validate.
func ParseQuery(q url.Values, firstSubject string) (c Config, problems []string) {
	c = DefaultConfig(firstSubject)
	bad := func(key, why string) { problems = append(problems, fmt.Sprintf("%s=%q: %s", key, q.Get(key), why)) }
	str := func(key string, dst *string, allowed ...string) {
		v := q.Get(key)
		if v == "" {
			return
		}
		if len(allowed) > 0 {
			ok := false
			for _, a := range allowed {
				ok = ok || a == v
			}
			if !ok {
				bad(key, fmt.Sprintf("want one of %v", allowed))
				return
			}
		}
		*dst = v
	}
	num := func(key string, dst *int) {
		if v := q.Get(key); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				bad(key, "not a count")
				return
			}
			*dst = n
		}
	}
	flt := func(key string, dst *float64) {
		if v := q.Get(key); v != "" {
			x, err := strconv.ParseFloat(v, 64)
			if err != nil || x < 0 || x != x {
				bad(key, "not a non-negative number")
				return
			}
			*dst = x
		}
	}
	str("subject", &c.Subject)
	str("space", &c.Space, SpaceVAEGAN, SpacePCA)
	num("train", &c.Train)
	num("reps", &c.Reps)
	flt("noise", &c.Noise)
	str("region", &c.Region, Regions...)
	num("voxels", &c.Voxels)
	str("decoder", &c.Decoder, DecoderInversion, DecoderRidge)
	flt("lambda", &c.Lambda)
	if v := q.Get("seed"); v != "" {
		s, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			bad("seed", "not a seed")
		} else {
			c.Seed = s
		}
	}
	if c.Decoder == DecoderRidge && c.Lambda == 0 {
		c.Lambda = 1
	}
	return c, problems
}
