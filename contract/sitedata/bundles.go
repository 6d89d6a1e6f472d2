package sitedata

import "fmt"

// Bundle kinds: the value of a site bundle's "kind" metadata
// (bundle.KeyKind), docs/site-data.md.
const (
	GeneratorKind = "generator"       // the face generator and the latent axes
	SubjectKind   = "subject"         // one subject's patterns, latents and "all" decoder
	RegionsKind   = "subject-regions" // a subject's decoders of the regions other than "all"
	RealBrainKind = "realbrain"       // real fMRI of one slice and its category decoding (Haxby et al. 2001)
)

// NumROIs is the number of regions of interest of a subject bundle, "all"
// included.
const NumROIs = 4

// ROIName names region k: 0 is "all" (every voxel), 1…3 are the labels of the
// subject bundle's voxels.roi. The tensors of region k are roi.<name> and
// decoder.<name>; the app cycles through the regions in this order.
func ROIName(k int) string {
	switch k {
	case 0:
		return "all"
	case 1:
		return "occipital"
	case 2:
		return "temporal"
	case 3:
		return "frontoparietal"
	}
	return fmt.Sprintf("roi%d", k)
}

// ROINames lists the NumROIs region names in order (a subject bundle's
// "rois" metadata).
func ROINames() []string {
	names := make([]string, NumROIs)
	for k := range names {
		names[k] = ROIName(k)
	}
	return names
}
