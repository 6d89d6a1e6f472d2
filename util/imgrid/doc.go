// Package imgrid lays out small CHW float images (model inputs, reconstructions,
// generated faces) as a labelled PNG grid for reports: tiles separated by a 2 px
// gap, optional per-row labels on the left and a title on top, drawn with the
// 7×13 bitmap font of golang.org/x/image/font/basicfont.
//
// Pixel values are clipped to [0,1] (NaN shows as 0). A 1-channel image is drawn
// in grey; 3-channel images are R, G, B planes in that order.
package imgrid
