package sitedata_test

import (
	"strings"
	"testing"

	"fmriface/contract/sitedata"
)

func TestParseIndexLab(t *testing.T) {
	withLab := strings.Replace(good, `"n_voxels":3}]`, `"n_voxels":3}],"lab":{"file":"lab.4.fmb","bytes":4000000,"sha256":"`+shaD+`","pca":{"file":"lab-pca.5.fmb","bytes":3000000,"sha256":"`+shaD+`"}}`, 1)
	ix, err := sitedata.ParseIndex([]byte(withLab))
	if err != nil || ix.Lab == nil || ix.Lab.PCA == nil || ix.Lab.Bytes != 4000000 {
		t.Fatalf("index with lab files: %+v, %v", ix, err)
	}
	if got := ix.Files(); len(got) != 4 || got[2].File != "lab.4.fmb" || got[3].File != "lab-pca.5.fmb" {
		t.Errorf("Files() = %v", got)
	}
	for _, tc := range []struct{ from, to, want string }{
		{"lab.4.fmb", "sub-01.2.fmb", "lab: file \"sub-01.2.fmb\" listed twice"},
		{"lab-pca.5.fmb", "lab.4.fmb", "lab.pca: file \"lab.4.fmb\" listed twice"},
		{`"bytes":4000000`, `"bytes":6000000`, "lab: lab.4.fmb: bytes 6000000, a lab file has at most"},
		{`"bytes":3000000`, `"bytes":6000000`, "lab.pca: lab-pca.5.fmb: bytes 6000000"},
		{`"file":"lab.4.fmb"`, `"file":"../lab.fmb"`, "lab: file name"},
	} {
		_, err := sitedata.ParseIndex([]byte(strings.Replace(withLab, tc.from, tc.to, 1)))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s → %s: got %v, want an error mentioning %q", tc.from, tc.to, err, tc.want)
		}
	}
}
