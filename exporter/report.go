package main

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
)

// printReport writes the per-tensor table and the bars.
func printReport(w io.Writer, rep *report) {
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintln(tw, "bundle\ttensor\tshape\tkind\tbytes\tf32 bytes\trel RMS\tmeasure\teffect\tbound\t\trejected")
	for _, c := range rep.Tensors {
		fmt.Fprintf(tw, "%s\t%s\t%v\t%s\t%d\t%d\t%.2e\t%s\t%.2e\t%.2e\t\t%s\n", c.Bundle, c.Name,
			strings.Trim(fmt.Sprint(c.Shape), "[]"), c.Kind, c.Bytes, c.F32Bytes, c.RelRMSE, c.Measure, c.Effect, c.Bound,
			strings.Join(c.Rejected, "; "))
	}
	tw.Flush()
	fmt.Fprintln(w)
	for _, f := range rep.Files {
		fmt.Fprintf(w, "%-28s %10d bytes  sha256 %s\n", f.File, f.Bytes, f.SHA256)
	}
	fmt.Fprintf(w, "total %d bytes (%.2f MB): %s\n", rep.BytesTotal, float64(rep.BytesTotal)/1e6, rep.Dominant)
	fmt.Fprintf(w, "faces: PSNR %.2f dB pooled over %d faces, worst face %.2f dB (bar ≥ %v)\n",
		rep.PSNRdB, rep.Faces, rep.PSNRMindB, rep.Bars.PSNRdB)
	fmt.Fprintf(w, "decoded latents: min correlation with float %.6f (bar ≥ %v)\n", rep.LatentCorrMin, rep.Bars.LatentCorr)
	for _, s := range rep.Subjects {
		fmt.Fprintf(w, "%s: pairwise (all voxels) float %.4f, quantized %.4f, %d pairs flipped (bar ≤ %d)\n",
			s.ID, s.PairwiseFloat["all"], s.PairwiseQuant["all"], s.Flipped["all"], rep.Bars.PairwiseChange)
	}
	if rep.Pass {
		fmt.Fprintln(w, "all fidelity bars hold")
	} else {
		fmt.Fprintln(w, "FAILED:", strings.Join(rep.Failures, "; "))
	}
}
