package dumps

import (
	"errors"
	"os"
	"path/filepath"
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

// writeFileAtomic replaces path with data so that a reader, or a restart
// after a crash, sees either the old file or the new one, never a mix: the
// data goes to a temporary file in the same directory, is flushed to disk and
// then renamed over path. The caller syncs the directory.
func writeFileAtomic(path string, data []byte) error {
	f, err := createTemp(filepath.Dir(path))
	if err != nil {
		return err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if closeErr := f.Close(); err == nil {
		err = closeErr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		return errors.Join(err, removeIfExists(f.Name()))
	}
	return nil
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
