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
//
// # What state lives where
//
// App (app.go) holds everything, in unexported fields:
//
//   - the loaded data (index.go, model.go, subject.go), read-only once loaded;
//   - the view on screen: the panel (panel.go), the subject, region and
//     trials (selection.go) and the chosen face (faces.go), which is also
//     what a link names (link.go);
//   - the view's test faces as shown and as decoded, and their latents:
//     plan.go queues the work a view needs whenever it changes, job.go
//     computes it a slice at a time on the Scheduler (sched.go) with the
//     Decoder (decode.go), and image.go is the faces' pixels;
//   - each panel's own state, in the panel's file, read top to bottom: its
//     type, how it is computed, the keys it answers, what the view reads and
//     what the live region says. faces.go (faceScores: pairwise accuracy and
//     ranks, which the other panels quote), pattern.go (patternPanel: the
//     mosaic of mosaic.go), pairwise.go (pairwiseGame), gender.go
//     (genderReadout), imagery.go (imageryPanel), explore.go (explorer: the
//     random face and its sliders), about.go and real.go (realPanel: the
//     real fMRI slice of Haxby et al. 2001 and its category decoding, from
//     the site's realbrain file, downloaded when the panel first opens);
//   - the downloads on demand (downloads.go) and the live region's message.
//
// Keys (keys.go) are global commands or go to the panel on screen; pointers
// (pointer.go) press keys, choose faces or set sliders.
//
// # How a view reads it
//
// A view changes the app only through its methods: Press, Point, Drag,
// SelectFace, SelectRun, Open, Update and the host's calls (AddSubject, RegionsAdded,
// NeedFailed, AddReal, RealFailed). It reads the app, once a frame it draws, through one view
// model a panel (App.Faces, App.Pattern, App.Pairwise, App.Gender,
// App.Imagery, App.Explore, App.Real): a small struct of plain values copied from the
// panel's state, with methods for what is looked up a face at a time
// (FacesView.Rank, ImageryView.Order). A draw function then starts with one
// call and reads fields, and what it holds is a copy it cannot write back,
// where read-only accessors on App would have been some thirty methods on
// one type, and exported state types would have let the view assign to
// them. The faces themselves are Image handles (App.Shown, App.Decoded, a
// view model's Image): read-only, comparable, so a view keys its textures by
// them, and versioned, so it re-uploads only pixels that changed. The core
// accessors (Panel, Subject, View, Ready, Busy, Message, Rev, the labels)
// serve the header, the footer and the page's status. Pixels and the loaded
// data (Index, Model, Subject) are shared, not copied: the caller must not
// modify them.
package app
