package bundle

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// ReadFrom reads a bundle of size bytes from r and parses it. The size is
// checked against lim.MaxFileSize before anything is allocated.
func ReadFrom(r io.ReaderAt, size int64, lim Limits) (*Bundle, error) {
	l := lim.withDefaults()
	if size < 0 || size > l.MaxFileSize {
		return nil, fmt.Errorf("bundle: %w: %d bytes, above the limit of %d", ErrLimit, size, l.MaxFileSize)
	}
	data := make([]byte, size)
	if _, err := r.ReadAt(data, 0); err != nil && err != io.EOF {
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

// WriteFile writes the bundle to path atomically: to a temporary file in the
// same directory, synced, then renamed over path, so that a reader never
// sees a half-written bundle.
func (w *Writer) WriteFile(path string) error {
	b, err := w.Bytes()
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // after a successful rename this fails harmlessly
	if _, err := tmp.Write(b); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return fmt.Errorf("sync %s: %w", path, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("close %s: %w", path, err)
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), path); err != nil {
		return fmt.Errorf("rename into %s: %w", path, err)
	}
	return nil
}
