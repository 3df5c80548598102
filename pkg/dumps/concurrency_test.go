package dumps

import (
	"bytes"
	"fmt"
	"sync"
	"testing"
)

// TestConcurrentUploads runs single-request and chunked uploads at once,
// many of them of identical content; run it with -race.
func TestConcurrentUploads(t *testing.T) {
	dir := t.TempDir()
	s := openTestStore(t, StoreOptions{Dir: dir})
	contents := [][]byte{
		readTestdata(t, "goroutine.20261121T211542Z.txt"),
		readTestdata(t, "goroutine.20261121T211612Z.txt"),
		readTestdata(t, "heap.20261121T211542Z.txt"),
		readTestdata(t, "goroutine.go1.27.pb.gz"),
	}
	const uploaders = 24
	var wg sync.WaitGroup
	ids := make([]string, uploaders)
	errs := make([]error, uploaders)
	for i := range uploaders {
		wg.Go(func() {
			data := contents[i%len(contents)]
			name := fmt.Sprintf("dump-%d", i)
			if i%2 == 0 {
				e, _, err := s.Put(name, "u", bytes.NewReader(data))
				ids[i], errs[i] = e.ID, err
				return
			}
			ids[i], errs[i] = chunkedUpload(s, name, data, 700)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("upload %d: %v", i, err)
		}
		if ids[i] != ids[i%len(contents)] {
			t.Errorf("upload %d of identical content got id %s, not %s", i, ids[i], ids[i%len(contents)])
		}
	}
	var total int64
	for _, c := range contents {
		total += int64(len(c))
	}
	if u := s.Usage(); u.Dumps != len(contents) || u.UsedBytes != total || u.ReservedBytes != 0 {
		t.Errorf("usage = %+v, want %d dumps of %d bytes", u, len(contents), total)
	}
	if temps := tempFiles(t, dir); len(temps) != 0 {
		t.Errorf("temporary files left: %v", temps)
	}
	for i := range contents {
		if _, _, err := readDump(t, s, ids[i]); err != nil {
			t.Error(err)
		}
	}
}

func chunkedUpload(s *Store, name string, data []byte, chunk int) (string, error) {
	u, err := s.BeginUpload(name, int64(len(data)), "u")
	if err != nil {
		return "", err
	}
	for offset := 0; offset < len(data); offset += chunk {
		end := min(offset+chunk, len(data))
		if _, err := s.AppendChunk(u.ID, int64(offset), bytes.NewReader(data[offset:end])); err != nil {
			return "", err
		}
	}
	e, _, err := s.FinishUpload(u.ID)
	return e.ID, err
}
