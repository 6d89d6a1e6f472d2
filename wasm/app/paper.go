package app

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"fmriface/contract/sitedata"
	"fmriface/neuro/paper"
)

// The paper's numbers beside ours: VanRullen & Reddy (2019), per subject,
// as package neuro/paper has them (read off the paper's figures, all trials
// averaged). Virtual subject sub-0k was simulated on the protocol of the
// study's subject k, so its numbers are set beside the paper's S k.

// Latent spaces, as the panels name them.
const (
	SpaceVAEGAN = "VAE-GAN"
	SpacePCA    = "PCA"
)

// paperSubject maps a subject id ("sub-01" … "sub-04") to the paper's
// subject (0 … 3); false for any other id.
func paperSubject(id string) (int, bool) {
	num, ok := strings.CutPrefix(id, "sub-")
	if !ok {
		return 0, false
	}
	k, err := strconv.Atoi(num)
	if err != nil || k < 1 || k > 4 {
		return 0, false
	}
	return k - 1, true
}

// PaperSubject names the paper's subject set beside subject id ("S1"), or
// "" where there is none.
func PaperSubject(id string) string {
	k, ok := paperSubject(id)
	if !ok {
		return ""
	}
	return fmt.Sprintf("S%d", k+1)
}

// paperValue is the paper's fraction for measure (pairwise,
// full_recognition, gender, imagery_pairwise) in region roi and latent space
// (SpaceVAEGAN, SpacePCA) for the subject set beside id; false where the
// paper has none.
func paperValue(measure string, roi int, space, id string) (float64, bool) {
	k, ok := paperSubject(id)
	if !ok {
		return 0, false
	}
	per, _, ok := paper.Lookup(measure, sitedata.ROIName(roi), space)
	if !ok || math.IsNaN(per[k]) {
		return 0, false
	}
	return per[k], true
}

// percent formats a fraction as in the comparison's text: "97.1 %".
func percent(x float64) string { return fmt.Sprintf("%.1f %%", 100*x) }
