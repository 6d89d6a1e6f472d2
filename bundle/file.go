package bundle

import (
	"fmt"
	"io"
	"os"

	"fmriface/util/atomicfile"
)

// ReadFrom reads a bundle of size bytes from r and parses it. The size is
// checked against lim.MaxFileSize before anything is allocated.
func ReadFrom(r io.ReaderAt, size int64, lim Limits) (*Bundle, error) {
	l := lim.withDefaults()
	if size < 0 || size > l.MaxFileSize {
		return nil, fmt.Errorf("bundle: %w: %d bytes, above the limit of %d", ErrLimit, size, l.MaxFileSize)
	}
	data := make([]byte, size)
	n, err := r.ReadAt(data, 0)
	if n < len(data) {
		if err == nil || err == io.EOF {
			return nil, fmt.Errorf("bundle: %w: read %d of %d bytes", ErrTruncated, n, size)
		}
		return nil, fmt.Errorf("bundle: read: %w", err)
	}
	return Parse(data, lim)
}

// Open reads and parses the bundle file at path. Errors name the file.
func Open(path string, lim Limits) (*Bundle, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err // already names the file
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	b, err := ReadFrom(f, st.Size(), lim)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// WriteFile writes the bundle to path atomically (fmriface/atomicfile): a
// reader never sees a half-written bundle.
func (w *Writer) WriteFile(path string) error {
	b, err := w.Bytes()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return atomicfile.WriteFile(path, b, 0o644)
}
