// Package bundle writes and reads fmriface bundles: single files that carry
// the tensors the browser app needs (generator weights, fMRI decoders, voxel
// coordinates, ROI labels) together with typed metadata saying what made them.
//
// A bundle is little-endian throughout and laid out as a fixed 88-byte
// header, a metadata section, a tensor table, the tensor data (every tensor
// starting on a 64-byte boundary of the file), and a 32-byte trailer holding
// the SHA-256 of every byte before it. Each tensor also carries a CRC32C of
// its bytes, and the header a CRC32C of itself. The full specification, with
// a worked hex example and a numpy reader, is docs/bundle-format.md.
//
// Writing:
//
//	w := bundle.NewWriter()
//	w.SetMeta(bundle.KeySubject, "sub-01")
//	w.AddFloat32("decoder.w", []int{1024, 5000}, data, quant.Q8)
//	b, err := w.Bytes() // or w.WriteTo(dst), or w.WriteFile(path)
//
// The output depends only on the set of metadata entries and tensors, never on
// the order of the calls: both are stored sorted by name. A file is marked with
// the lowest format version that defines its dtypes: 2 if it holds a q3
// tensor, else 1, so that version 1 readers keep reading every other file.
//
// Reading:
//
//	b, err := bundle.Parse(data, bundle.Limits{}) // verifies everything
//	x, err := b.Float32("decoder.w")              // dequantized
//
// Parse checks the magic, byte order, version, header CRC, file size, the
// SHA-256 trailer, every section and tensor bound, alignment, and every
// tensor's CRC32C before returning, and bounds every size by Limits before
// allocating, so it is safe on untrusted input. Parse and the Bundle methods
// do no I/O (Open, ReadFrom and Writer.WriteFile are thin helpers in file.go),
// and the package builds for GOOS=js GOARCH=wasm.
package bundle
