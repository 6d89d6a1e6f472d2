// Package plots draws the report figures of the project as PNG files with
// gonum.org/v1/plot: line charts (training losses, learning curves), grouped bar
// charts (a score per subject for several models, with an optional chance line)
// and histograms. Every chart has a title, axis labels and, where several series
// share it, a legend. Files are rendered in memory and written atomically, so a
// reader never sees half a PNG.
package plots
