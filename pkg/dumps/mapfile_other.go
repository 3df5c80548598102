//go:build !unix

package dumps

import (
	"io"
	"os"
)

// mapFile reads the file into memory where mapping is not implemented.
func mapFile(f *os.File, size int64) ([]byte, func() error, error) {
	data := make([]byte, size)
	if _, err := io.ReadFull(f, data); err != nil {
		return nil, nil, err
	}
	return data, nil, nil
}
