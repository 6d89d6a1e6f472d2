// Labrun runs one Lab experiment natively on a site's lab files, as the
// page's Lab panel runs it in WebAssembly, and prints the run's summary as
// JSON (neuro/lab.Summary: the settings, both accuracies with their
// p-values, and a digest of the decoded latents' bits). The end-to-end test
// compares it with the summary the page publishes for the same link: equal
// summaries mean the browser computed the same decoder and accuracy.
//
// Usage:
//
//	go run ./site/labrun -data DIR [-query 'panel=lab&train=4000&noise=12']
//
// -data is the site data folder (its index.json lists the lab files);
// -query takes a Lab link's parameters (docs/teaching.md), the index's
// first subject when it names none. The settings are fitted to the data as
// the page fits them (lab.Data.Clamp).
package main

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"fmriface/contract/sitedata"
	"fmriface/neuro/lab"
)

func main() {
	data := flag.String("data", "site/data", "site data folder (index.json and its files)")
	query := flag.String("query", "panel=lab", "the Lab link's parameters")
	flag.Parse()
	if err := run(*data, *query); err != nil {
		fmt.Fprintln(os.Stderr, "labrun:", err)
		os.Exit(1)
	}
}

func run(dir, query string) error {
	ixPath := filepath.Join(dir, "index.json")
	raw, err := os.ReadFile(ixPath)
	if err != nil {
		return err
	}
	ix, err := sitedata.ParseIndex(raw)
	if err != nil {
		return fmt.Errorf("%s: %w", ixPath, err)
	}
	if ix.Lab == nil {
		return fmt.Errorf("%s lists no lab file", ixPath)
	}
	read := func(ref sitedata.FileRef) ([]byte, error) {
		b, err := os.ReadFile(filepath.Join(dir, ref.File))
		if err != nil {
			return nil, err
		}
		if sum := sha256.Sum256(b); hex.EncodeToString(sum[:]) != ref.SHA256 {
			return nil, fmt.Errorf("%s: SHA-256 %x, index.json says %s", ref.File, sum, ref.SHA256)
		}
		return b, nil
	}
	base, err := read(ix.Lab.FileRef)
	if err != nil {
		return err
	}
	d, err := lab.DecodeBase(ix.Lab.File, base)
	if err != nil {
		return err
	}
	q, err := url.ParseQuery(strings.TrimPrefix(query, "?"))
	if err != nil {
		return fmt.Errorf("-query %q: %w", query, err)
	}
	first := ix.Subjects[0].ID
	cfg, problems := lab.ParseQuery(q, first)
	if len(problems) > 0 {
		return fmt.Errorf("-query %q: %s", query, strings.Join(problems, "; "))
	}
	if cfg.Space == lab.SpacePCA {
		if ix.Lab.PCA == nil {
			return fmt.Errorf("%s lists no lab PCA file", ixPath)
		}
		b, err := read(*ix.Lab.PCA)
		if err != nil {
			return err
		}
		if err := d.AddPCA(ix.Lab.PCA.File, b); err != nil {
			return err
		}
	}
	res, err := lab.Run(context.Background(), d, d.Clamp(cfg), nil, nil)
	if err != nil {
		return err
	}
	out, err := json.MarshalIndent(res.Summarize(), "", "  ")
	if err != nil {
		return err
	}
	fmt.Println(string(out))
	return nil
}
