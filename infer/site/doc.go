// Package site reads the site data's bundles (docs/site-data.md) into the
// structures the browser infers with: LoadModel turns a generator bundle into
// a Model (an nn.Generator and the latent axes), LoadSubject a subject bundle
// into a Subject (its patterns, true latents and one ROI decoder per region),
// and Subject.AddRegions adds the decoders of its regions file. For the PCA
// baseline, LoadPCA turns the PCA bundle into a PCA (faces from PCA latents,
// PCA.Image, reading the stored components in place) and LoadPCASubject a
// subject's PCA bundle into a Subject in the PCA's latent space. The browser app
// (wasm/app) decodes with what they return; the exporter loads every bundle it
// writes through the same functions, so a bundle the app would refuse fails
// the export.
//
// Every check runs at load: shapes against each other, indices and labels in
// range, values finite, bounds on the sizes a bundle may ask for. Errors start
// with the file name given and name the tensor or metadata key at fault. After
// that, decoding cannot fail on the data: an ROI's decoder stays as the bundle
// encodes it (8, 4 or 3 bits a value) and is read a block of rows at a time
// (ROI.Rows, ROI.AddRows) until ROI.Materialize has dequantized it, so a subject
// loads without a full dequantization and the steady state allocates nothing.
//
// The Verified loaders are for bytes whose SHA-256 the caller has checked
// against index.json (the page's loader does): they skip only the bundle's own
// checksums. The package imports neither gorgonia nor cgo and builds for
// GOOS=js GOARCH=wasm.
package site
