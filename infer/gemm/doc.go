// Package gemm is a single-threaded float32 matrix multiply written for
// WebAssembly, where Go has neither SIMD nor threads and gonum's blas32 falls
// back to plain loops (about 1.3 GFLOP/s in Node and Chromium).
//
// It follows the usual GotoBLAS structure: blocks of A and B are packed into
// contiguous panels (transposes are absorbed there) and a register-blocked
// micro-kernel multiplies one MR×NR tile of C at a time, so every value loaded
// from memory is reused several times from registers. A row-vector times
// matrix product (m == 1, the batch-1 linear layers of the networks) skips the
// packing and streams B once.
//
// The packing buffers live in a Workspace that the caller keeps, so that a
// steady stream of products allocates nothing.
//
// The benchmarks put gonum's blas32.Gemm beside this package on the
// TOOLCHAIN reference product and on the generators' real products, natively
// and under Node:
//
//	go test -bench . ./infer/gemm/
//	PATH=$PATH:$(go env GOROOT)/lib/wasm GOOS=js GOARCH=wasm go test -bench . ./infer/gemm/
package gemm
