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
	if p := rep.PCA; p != nil {
		fmt.Fprintf(w, "PCA faces: PSNR %.2f dB pooled over %d faces, worst face %.2f dB (bar ≥ %v)\n", p.PSNRdB, p.Faces, p.PSNRMindB, rep.Bars.PSNRdB)
		fmt.Fprintf(w, "PCA decoded latents: min correlation with float %.6f (bar ≥ %v)\n", p.LatentCorrMin, rep.Bars.LatentCorr)
		for _, s := range rep.PCASubjects {
			fmt.Fprintf(w, "%s PCA: pairwise (all voxels) float %.4f, quantized %.4f, %d pairs flipped (bar ≤ %d)\n",
				s.ID, s.PairwiseFloat["all"], s.PairwiseQuant["all"], s.Flipped["all"], rep.Bars.PairwiseChange)
		}
		fmt.Fprintf(w, "PCA baseline %d bytes (%.2f MB): %s\n", p.BytesTotal, float64(p.BytesTotal)/1e6, p.Dominant)
	}
	fmt.Fprintf(w, "VAE-GAN %d bytes (%.2f MB): %s\n", rep.VAEGAN.BytesTotal, float64(rep.VAEGAN.BytesTotal)/1e6, rep.VAEGAN.Dominant)
	fmt.Fprintf(w, "first face %d bytes; first subject's regions %d", rep.Parts.FirstFace, rep.Parts.Regions)
	if rep.PCA != nil {
		fmt.Fprintf(w, "; PCA comparison for one subject %d, its PCA regions %d", rep.Parts.PCAComparison, rep.Parts.PCARegions)
	}
	fmt.Fprintln(w)
	if rep.Pass {
		fmt.Fprintln(w, "all fidelity bars hold")
	} else {
		fmt.Fprintln(w, "FAILED:", strings.Join(rep.Failures, "; "))
	}
}
