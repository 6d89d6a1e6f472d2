// Package paper embeds the published per-subject results of VanRullen
// & Reddy (2019), as read off the paper's figures (results.csv, a copy of
// ../shared/paper/results.csv: counts out of 380 pairs, 20 faces or 19
// distractors), so that reports can print the paper's number beside ours.
package paper

import (
	_ "embed"
	"encoding/csv"
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"
)

//go:embed results.csv
var resultsCSV string

// Row is one line of the table.
type Row struct {
	Measure     string     // pairwise, full_recognition, gender, imagery_pairwise
	ROI         string     // full, occipital, temporal, frontoparietal
	Model       string     // VAE-GAN, PCA, true-latent ceiling
	Counts      [4]float64 // per subject S1–S4, NaN where not published
	GroupMean   float64    // fraction
	Denominator int        // 380, 20 or 19
	Source      string
	Notes       string
}

// Fractions returns Counts/Denominator (NaN stays NaN).
func (r Row) Fractions() [4]float64 {
	var f [4]float64
	for i, c := range r.Counts {
		f[i] = c / float64(r.Denominator)
	}
	return f
}

var table = sync.OnceValues(func() ([]Row, error) { return Parse(resultsCSV) })

// Table returns the embedded table (a fresh copy).
func Table() ([]Row, error) {
	rows, err := table()
	if err != nil {
		return nil, err
	}
	return append([]Row(nil), rows...), nil
}

// columns returns the expected header of results.csv.
func columns() []string {
	return []string{"measure", "roi", "model", "S1", "S2", "S3", "S4", "group_mean", "denominator", "source", "notes"}
}

// Parse reads a table in the results.csv layout.
func Parse(text string) ([]Row, error) {
	header := columns()
	r := csv.NewReader(strings.NewReader(text))
	// The notes column is free text whose commas the file does not quote:
	// the first ten fields are fixed and the rest are the notes.
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		return nil, fmt.Errorf("paper: results.csv: %w", err)
	}
	if len(recs) == 0 {
		return nil, fmt.Errorf("paper: results.csv: empty")
	}
	if len(recs[0]) != len(header) {
		return nil, fmt.Errorf("paper: results.csv: header has %d columns, want %d", len(recs[0]), len(header))
	}
	for i, h := range header {
		if recs[0][i] != h {
			return nil, fmt.Errorf("paper: results.csv: column %d is %q, want %q", i+1, recs[0][i], h)
		}
	}
	var rows []Row
	for ln, rec := range recs[1:] {
		line := ln + 2
		if len(rec) < len(header) {
			return nil, fmt.Errorf("paper: results.csv line %d: %d fields, want %d", line, len(rec), len(header))
		}
		row := Row{Measure: rec[0], ROI: rec[1], Model: rec[2], Source: rec[9], Notes: strings.Join(rec[10:], ",")}
		den, err := strconv.Atoi(rec[8])
		if err != nil || den <= 0 {
			return nil, fmt.Errorf("paper: results.csv line %d: bad denominator %q", line, rec[8])
		}
		row.Denominator = den
		for s := 0; s < 4; s++ {
			if rec[3+s] == "NA" {
				row.Counts[s] = math.NaN()
				continue
			}
			c, err := strconv.ParseFloat(rec[3+s], 64)
			if err != nil || c < 0 || c > float64(den) {
				return nil, fmt.Errorf("paper: results.csv line %d: bad count %q for S%d", line, rec[3+s], s+1)
			}
			row.Counts[s] = c
		}
		m, err := strconv.ParseFloat(rec[7], 64)
		if err != nil || m < 0 || m > 1 {
			return nil, fmt.Errorf("paper: results.csv line %d: bad group mean %q", line, rec[7])
		}
		row.GroupMean = m
		rows = append(rows, row)
	}
	return rows, nil
}

// canonical maps the names used elsewhere in the project (JSON keys) to the
// table's spelling.
func canonical(kind, s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	switch kind {
	case "measure":
		switch s {
		case "one_of_20", "recognition", "1-of-20":
			return "full_recognition"
		}
	case "roi":
		if s == "all" {
			return "full"
		}
	case "model":
		switch s {
		case "vaegan", "vae-gan", "vae_gan":
			return "vae-gan"
		case "ceiling", "true", "true-latent":
			return "true-latent ceiling"
		}
	}
	return s
}

// Lookup returns the paper's per-subject values as fractions (NaN where
// not published) and the group mean. Names are case-insensitive and accept
// the project's JSON spellings ("vaegan", "all", "one_of_20").
func Lookup(measure, roi, model string) (perSubject [4]float64, mean float64, ok bool) {
	rows, err := table()
	if err != nil {
		return perSubject, 0, false
	}
	m, r, md := canonical("measure", measure), canonical("roi", roi), canonical("model", model)
	for _, row := range rows {
		if strings.ToLower(row.Measure) == m && strings.ToLower(row.ROI) == r && strings.ToLower(row.Model) == md {
			return row.Fractions(), row.GroupMean, true
		}
	}
	return perSubject, 0, false
}
