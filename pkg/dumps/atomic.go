package dumps

import (
	"errors"
	"os"
	"runtime"
	"strings"
)

// tempPrefix marks files being written; whatever carries it after a crash
// was never committed and is removed when the store is opened.
const tempPrefix = ".tmp-"

func isTempName(name string) bool { return strings.HasPrefix(name, tempPrefix) }

func createTemp(dir string) (*os.File, error) {
	return os.CreateTemp(dir, tempPrefix+"*")
}

// syncDir flushes a directory's entries, which makes the renames and removals
// in it durable. Windows cannot sync a directory and commits renames itself.
func syncDir(dir string) error {
	if runtime.GOOS == "windows" {
		return nil
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if closeErr := d.Close(); err == nil {
		err = closeErr
	}
	return err
}

func removeIfExists(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	return nil
}
