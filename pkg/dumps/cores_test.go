package dumps

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// elfHeader is the first bytes of a 64-bit little-endian ELF file of a type
// (2 executable, 4 core), enough for the store to tell them apart; the core
// reader, which would read the rest, is replaced in these tests by one that
// records what it was given (pkg/cores is tested on real cores).
func elfHeader(typ byte, filler string) []byte {
	h := append([]byte("\x7fELF\x02\x01\x01"), make([]byte, 9)...)
	h = append(h, typ, 0, 0x3e, 0)
	return append(h, filler...)
}

type recordingReader struct {
	pairs [][2]string
	err   error
}

func (r *recordingReader) reader() CoreReader {
	return CoreReader{
		Program: func(core string) (string, error) { return "/srv/bin/app", nil },
		Validate: func(core, exe string) (CoreInfo, error) {
			r.pairs = append(r.pairs, [2]string{core, exe})
			return CoreInfo{GoVersion: "go1.26.2", Arch: "amd64", Signal: "SIGSEGV", Goroutine: 7, Goroutines: 120, Threads: 5}, r.err
		},
	}
}

func uploadAll(t *testing.T, s *Store, req UploadRequest, data []byte) (Finished, error) {
	t.Helper()
	req.Size = int64(len(data))
	u, err := s.BeginUploadOf(req)
	if err != nil {
		return Finished{}, err
	}
	if _, err := s.AppendChunk(u.ID, 0, bytes.NewReader(data)); err != nil {
		t.Fatal(err)
	}
	return s.FinishUploadOf(u.ID)
}

func TestCoreUploadStoresThePairAndSharesExecutables(t *testing.T) {
	rr := &recordingReader{}
	clock := newFakeClock()
	s := openTestStore(t, StoreOptions{Cores: rr.reader(), Now: clock.Now, MaxUploadBytes: 10, MaxCoreBytes: 1 << 20})
	exe := elfHeader(2, "program")
	fx, err := uploadAll(t, s, UploadRequest{Name: "app", Executable: true}, exe)
	if err != nil || fx.Executable == nil || !fx.Created {
		t.Fatalf("executable upload: %+v, %v", fx, err)
	}
	again, err := uploadAll(t, s, UploadRequest{Name: "app-copy", Executable: true}, exe)
	if err != nil || again.Created || again.Executable.ID != fx.Executable.ID {
		t.Fatalf("the same executable again: %+v, %v", again, err)
	}
	modified := time.Date(2026, 11, 20, 8, 30, 0, 0, time.UTC)
	var ids []string
	for _, name := range []string{"core.1", "core.2"} {
		f, err := uploadAll(t, s, UploadRequest{Name: name, CoreOf: fx.Executable.ID, ModifiedAt: modified}, elfHeader(4, name))
		if err != nil {
			t.Fatal(err)
		}
		e := f.Entry
		if e.Format != "core" || e.Core == nil || e.Core.Executable != "app" || e.Core.Goroutine != 7 ||
			!e.CapturedAt.Equal(modified) || e.CapturedFrom != CapturedFromModified || !strings.Contains(e.Detail, "SIGSEGV in goroutine 7") {
			t.Fatalf("core entry %+v (core %+v)", e, e.Core)
		}
		_, files, err := s.CoreFiles(e.ID)
		if err != nil || files.Executable != filepath.Join(s.Dir(), executablesDir, fx.Executable.ID+executableExt) {
			t.Fatalf("core files %+v, %v", files, err)
		}
		ids = append(ids, e.ID)
	}
	if len(rr.pairs) != 2 {
		t.Errorf("the reader read %d pairs, want each core once", len(rr.pairs))
	}
	if got, want := s.Usage().UsedBytes, int64(len(exe)+2*len(elfHeader(4, "core.1"))); got != want {
		t.Errorf("used %d bytes, want the executable once and both cores: %d", got, want)
	}
	// The executable stays while a core needs it, survives a reopen, and
	// goes with the last core.
	if err := s.Delete(ids[0]); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s = openTestStore(t, StoreOptions{Dir: s.Dir(), Cores: rr.reader(), Now: clock.Now})
	if _, files, err := s.CoreFiles(ids[1]); err != nil {
		t.Fatal(err)
	} else if _, err := os.Stat(files.Executable); err != nil {
		t.Fatalf("the executable of the remaining core: %v", err)
	}
	if err := s.Delete(ids[1]); err != nil {
		t.Fatal(err)
	}
	if left, _ := os.ReadDir(filepath.Join(s.Dir(), executablesDir)); len(left) != 0 || s.Usage().UsedBytes != 0 {
		t.Errorf("after the last core: %d files in executables/, %d bytes used", len(left), s.Usage().UsedBytes)
	}
}

func TestCoreUploadsRefused(t *testing.T) {
	rr := &recordingReader{}
	s := openTestStore(t, StoreOptions{Cores: rr.reader(), MaxUploadBytes: 1 << 20, MaxCoreBytes: 64})
	fx, err := uploadAll(t, s, UploadRequest{Name: "app", Executable: true}, elfHeader(2, "x"))
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		req  UploadRequest
		data []byte
		want error
		says string
	}{
		{"core alone", UploadRequest{Name: "core"}, elfHeader(4, ""), ErrInvalid, "upload the executable and the core together"},
		{"unknown executable", UploadRequest{Name: "core", CoreOf: strings.Repeat("0", 64)}, elfHeader(4, ""), ErrNotFound, "upload it before its core"},
		{"not a core", UploadRequest{Name: "dump.txt", CoreOf: fx.Executable.ID}, []byte("goroutine 1 [running]:\n"), ErrInvalid, "not a core dump"},
		{"core as executable", UploadRequest{Name: "core", Executable: true}, elfHeader(4, ""), ErrInvalid, "is a core dump, not an executable"},
		{"text as executable", UploadRequest{Name: "x.txt", Executable: true}, []byte("hello"), ErrInvalid, "not a Linux (ELF) executable"},
		{"core too large", UploadRequest{Name: "core", CoreOf: fx.Executable.ID}, elfHeader(4, strings.Repeat("x", 100)), ErrTooLarge, "maxCoreUploadMiB"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := uploadAll(t, s, tc.req, tc.data)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("got %v, want %v saying %q", err, tc.want, tc.says)
			}
		})
	}
	rr.err = errors.New("the core was not written by this executable")
	_, err = uploadAll(t, s, UploadRequest{Name: "core", CoreOf: fx.Executable.ID}, elfHeader(4, ""))
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "not written by this executable") {
		t.Fatalf("a pair the reader refuses: %v", err)
	}
	if len(s.List()) != 0 || len(tempFiles(t, s.Dir())) != 0 {
		t.Errorf("refused uploads left %d dumps and files %v", len(s.List()), tempFiles(t, s.Dir()))
	}
}

func TestDirectoryCoresFindTheirExecutable(t *testing.T) {
	rr := &recordingReader{}
	dir := t.TempDir()
	write := func(rel string, data []byte) {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(filepath.Join(dir, rel)), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, rel), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("a/core.1", elfHeader(4, "1"))
	write("a/app", elfHeader(2, "exe"))
	write("b/core.2", elfHeader(4, "2"))
	elsewhere := filepath.Join(t.TempDir(), "bin")
	write("goroutines.txt", []byte("goroutine 1 [running]:\nmain.main()\n\t/x/main.go:1 +0x1\n"))

	list := func(cfg DirConfig) map[string]Entry {
		t.Helper()
		cfg.Name, cfg.Path = "crashes", dir
		d, err := OpenDirectories(DirOptions{Dirs: []DirConfig{cfg}, Cores: rr.reader(), MaxDepth: 3})
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]Entry{}
		for _, e := range d.List() {
			out[e.Name] = e
		}
		return out
	}
	got := list(DirConfig{})
	if _, listed := got["a/app"]; listed {
		t.Error("an executable is listed as a dump")
	}
	if e := got["a/core.1"]; e.Error != "" || e.Core == nil || e.Core.Executable != "a/app" {
		t.Errorf("a core beside its executable: %+v", e)
	}
	if e := got["b/core.2"]; !strings.Contains(e.Error, `put that executable next to the core as "b/app"`) {
		t.Errorf("a core without its executable: %+v", e)
	}
	if got["goroutines.txt"].Format != "goroutine-text" {
		t.Errorf("a dump beside cores: %+v", got["goroutines.txt"])
	}

	if err := os.MkdirAll(elsewhere, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(elsewhere, "app"), elfHeader(2, "exe"), 0o755); err != nil {
		t.Fatal(err)
	}
	got = list(DirConfig{Executable: elsewhere})
	for _, name := range []string{"a/core.1", "b/core.2"} {
		if e := got[name]; e.Error != "" || e.Core == nil || e.Core.Executable != "app" {
			t.Errorf("%s with the directory's executable path: %+v", name, e)
		}
	}
	if last := rr.pairs[len(rr.pairs)-1]; last[1] != filepath.Join(elsewhere, "app") {
		t.Errorf("read with %s", last[1])
	}
}
