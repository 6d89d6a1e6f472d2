// Command fakesite writes a TEST FIXTURE site data folder (random untrained
// generator, synthetic subjects) in the layout of docs/site-data.md, so that the
// browser app and its end-to-end test run without the exporter's real data.
// Its output is never a result; the page shows a "TEST FIXTURE" banner for it.
//
//	go run ./site/fakesite -out out/site-fixture [-preset tiny|default|paper] [-voxels 600] [-pca]
package main

import (
	"flag"
	"fmt"
	"os"
	"strings"

	"fmriface/bundle/quant"
	"fmriface/site/fixture"
)

func main() {
	out := flag.String("out", "out/site-fixture", "folder to write")
	preset := flag.String("preset", "tiny", "generator architecture preset (tiny, default, paper)")
	subjects := flag.Int("subjects", 2, "number of synthetic subjects")
	voxels := flag.Int("voxels", 600, "voxels per subject")
	seed := flag.Uint64("seed", 1, "random seed")
	q := flag.String("quant", "f32", "storage of the big float tensors (f32, f16, q8, q4)")
	withPCA := flag.Bool("pca", false, "add the PCA baseline: a PCA bundle and per subject a PCA subject with its regions file")
	flag.Parse()
	kind, err := quant.ParseKind(*q)
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakesite:", err)
		os.Exit(2)
	}
	ix, err := fixture.Write(*out, fixture.Options{
		Preset: *preset, Subjects: *subjects, Voxels: *voxels, Seed: *seed, Quant: kind, PCA: *withPCA,
		Command: "fakesite " + strings.Join(os.Args[1:], " "),
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, "fakesite:", err)
		os.Exit(1)
	}
	fmt.Fprint(os.Stderr, fixture.Banner(*out))
	fmt.Fprintf(os.Stderr, "%s (%d bytes) and %d subjects\n", ix.Generator.File, ix.Generator.Bytes, len(ix.Subjects))
}
