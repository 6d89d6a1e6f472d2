// Package tsv reads and writes the strict tab-separated tables of BIDS: events
// files, fMRIPrep confounds, participants.tsv.
//
// A table is a header row of unique, non-empty column names, then rows with
// exactly as many tab-separated fields. Lines end in "\n" (a "\r" before it is
// dropped); the last line may lack its newline. "n/a" marks a missing value.
// There is no quoting: a field cannot contain a tab or a newline. Reading is
// strict, and every error names the file, the line and the column: a ragged
// row, an empty line, an unparsable number, a missing required column.
package tsv
