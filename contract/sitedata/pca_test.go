package sitedata_test

import (
	"bytes"
	"strings"
	"testing"

	"fmriface/contract/sitedata"
)

var shaE, shaF = strings.Repeat("e", 64), strings.Repeat("f", 64)

// withPCA is the good index with a PCA bundle and sub-01's PCA files.
var withPCA = strings.Replace(strings.Replace(good, `"n_voxels":3`, `"n_voxels":3,"pca":{"file":"sub-01.pca.4.fmb","bytes":7,"sha256":"`+shaD+
	`","n_voxels":5,"pairwise_float":0.9,"regions":{"file":"sub-01.pca-regions.5.fmb","bytes":8,"sha256":"`+shaE+`"}}`, 1),
	`"n_voxels":5,"pairwise_float":0.9,"regions":{"file":"sub-01.pca-regions.5.fmb","bytes":8,"sha256":"`+shaE+`"}}}]`,
	`"n_voxels":5,"pairwise_float":0.9,"regions":{"file":"sub-01.pca-regions.5.fmb","bytes":8,"sha256":"`+shaE+`"}}}],"pca":{"file":"pca.6.fmb","bytes":9,"sha256":"`+shaF+`"}`, 1)

func TestParseIndexPCA(t *testing.T) {
	ix, err := sitedata.ParseIndex([]byte(withPCA))
	if err != nil {
		t.Fatalf("index with PCA: %v\n%s", err, withPCA)
	}
	p := ix.Subjects[0].PCA
	if ix.PCA == nil || ix.PCA.Bytes != 9 || p == nil || p.NVoxels != 5 || p.PairwiseFloat != 0.9 || p.Regions == nil || p.Regions.Bytes != 8 {
		t.Fatalf("PCA entries: %+v, %+v", ix.PCA, p)
	}
	var names []string
	for _, f := range ix.Files() {
		names = append(names, f.File)
	}
	if want := "generator.1.fmb sub-01.2.fmb pca.6.fmb sub-01.pca.4.fmb sub-01.pca-regions.5.fmb"; strings.Join(names, " ") != want {
		t.Errorf("Files() = %v, want %s", names, want)
	}
	// Encode keeps the entries; an index without them encodes as before.
	enc, err := ix.Encode()
	if err != nil {
		t.Fatal(err)
	}
	if again, err := sitedata.ParseIndex(enc); err != nil || again.PCA == nil || again.Subjects[0].PCA == nil {
		t.Fatalf("re-parse: %v", err)
	}
	old, _ := sitedata.ParseIndex([]byte(good))
	oldEnc, _ := old.Encode()
	if bytes.Contains(oldEnc, []byte("pca")) {
		t.Errorf("an index without PCA encodes a pca key:\n%s", oldEnc)
	}

	for _, tc := range []struct{ name, from, to, want string }{
		{"subject without basis", `,"pca":{"file":"pca.6.fmb","bytes":9,"sha256":"` + shaF + `"}`, ``, "subjects[0].pca: a subject's PCA files need the pca entry"},
		{"basis without subjects", `"pca":{"file":"sub-01.pca.4.fmb"`, `"nopca":{"file":"sub-01.pca.4.fmb"`, "pca: no subject has PCA files"},
		{"basis file", "pca.6.fmb", "../pca.fmb", "pca: file name"},
		{"basis sha", shaF, "x", "pca: pca.6.fmb: sha256"},
		{"basis twice", "pca.6.fmb", "sub-01.2.fmb", `pca: file "sub-01.2.fmb" listed twice`},
		{"subject file", "sub-01.pca.4.fmb", "", "subjects[0].pca: no file name"},
		{"subject twice", "sub-01.pca.4.fmb", "generator.1.fmb", `subjects[0].pca: file "generator.1.fmb" listed twice`},
		{"regions twice", "sub-01.pca-regions.5.fmb", "sub-01.pca.4.fmb", `subjects[0].pca.regions: file "sub-01.pca.4.fmb" listed twice`},
		{"regions bytes", `"bytes":8`, `"bytes":0`, "subjects[0].pca.regions: sub-01.pca-regions.5.fmb: bytes 0"},
		{"voxels", `"n_voxels":5`, `"n_voxels":0`, "subjects[0].pca: n_voxels 0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			bad := strings.Replace(withPCA, tc.from, tc.to, 1)
			if bad == withPCA {
				t.Fatalf("replacement %q not found", tc.from)
			}
			_, err := sitedata.ParseIndex([]byte(bad))
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error mentioning %q", err, tc.want)
			}
		})
	}
}
