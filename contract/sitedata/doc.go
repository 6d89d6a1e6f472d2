// Package sitedata is the contract between the exporter and the browser app:
// the schema of site/data/index.json, the list of content-hashed files the page
// downloads, with its validation, and the names the site bundles share (the
// bundle kinds and the regions of interest). The files themselves are
// specified in docs/site-data.md; the bundle format in docs/bundle-format.md.
//
// One definition serves every side: the exporter and site/fixture build an
// Index and write it with Encode, site/build and the app (wasm/app) read it
// with ParseIndex. Encode and ParseIndex apply the same Validate, so a writer
// cannot produce an index the page would refuse.
//
//	ix := &sitedata.Index{Format: sitedata.IndexFormat, ...}
//	data, err := ix.Encode()          // validated, indented JSON ending in a newline
//	ix, err = sitedata.ParseIndex(data) // bounded, validated; errors start with "index.json:"
//
// The package has no dependencies beyond the standard library, so it builds
// for GOOS=js GOARCH=wasm without cgo.
package sitedata
