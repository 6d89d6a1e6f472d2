// Package app is the logic of the browser app (package wasm draws it with
// Ebiten): given the site data of docs/site-data.md (index.json, read with
// package contract/sitedata; the generator and one bundle per virtual subject,
// loaded with package infer/site), it decodes fMRI patterns into latents
// (ẑ = y·D + m for a region of interest, m the subject's latent.mean, from all
// or fewer trials) and latents into images with the pure-Go generator of
// package nn, and computes what the paper reports: pairwise accuracy over the 380 ordered pairs,
// rank among the 20 test faces, the gender read-out along axis.male, and the
// imagery ranking. It also holds the interactive state: the pairwise game, the
// face-space explorer, the slice mosaic of a pattern, and the text descriptions
// the page speaks through its ARIA live region. Input is a Key (App.Press), or
// a click, tap or drag on an Area of the screen that the view recorded in a
// HitMap when it drew (App.Point, App.Drag): every area presses a key, chooses
// a face or sets a slider, so the mouse, touch and the keyboard share one path.
//
// Nothing here imports Ebiten or syscall/js, so all of it is unit-tested
// natively and under GOOS=js GOARCH=wasm with Node.
//
// The frame loop never waits for a decode: App.Update runs queued work for a
// time budget through a Scheduler, one small slice at a time (a block of the
// decoder's rows, or one nn.Generator.Step), and the faces appear as their
// slices complete.
package app
