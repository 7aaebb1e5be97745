package records

import (
	"io"
	"os"
)

// Opener opens a record file by name: [OpenOS] for the operating system's
// files, or an fs.FS's Open.
type Opener func(name string) (io.ReadCloser, error)

// OpenOS opens a file of the operating system.
func OpenOS(name string) (io.ReadCloser, error) { return os.Open(name) }

// Reader is what every record reader of this package offers: the next
// record, or io.EOF after the last one.
type Reader[R any] interface {
	Read() (R, error)
}

// Each opens the record file name, reads its header with newReader (one of
// this package's New…Reader functions) and calls fn with the reader and
// each record in file order. It stops at the first error, of the file or of
// fn, and returns it.
func Each[RD Reader[R], R any](open Opener, name string, newReader func(string, io.Reader) (RD, error), fn func(RD, R) error) error {
	f, err := open(name)
	if err != nil {
		return err
	}
	defer f.Close()
	r, err := newReader(name, f)
	if err != nil {
		return err
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := fn(r, rec); err != nil {
			return err
		}
	}
}
