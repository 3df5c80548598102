package discovery

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"gopkg.in/yaml.v3"
)

// fileSource reads Prometheus file_sd files: a JSON or YAML list of
// groups, each with "targets" (host:port) and "labels". A file is read
// again only when its modification time or size changed since the last
// refresh, so watching is a stat per file per refresh.
type fileSource struct {
	pattern  string
	maxBytes int64

	mu    sync.Mutex
	cache map[string]fileEntry
}

type fileEntry struct {
	modTime time.Time
	size    int64
	addrs   []Address
	err     error
}

// fileGroup is one group of a file_sd file.
type fileGroup struct {
	Targets []string          `json:"targets" yaml:"targets"`
	Labels  map[string]string `json:"labels" yaml:"labels"`
}

func newFileSource(pattern string, maxBytes int64) *fileSource {
	return &fileSource{pattern: pattern, maxBytes: maxBytes, cache: map[string]fileEntry{}}
}

func (s *fileSource) Discover(ctx context.Context) ([]Address, error) {
	paths, err := filepath.Glob(s.pattern)
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("no file matches %s", s.pattern)
	}
	if len(paths) > maxFiles {
		return nil, fmt.Errorf("%d files match %s; at most %d are read", len(paths), s.pattern, maxFiles)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Address
	kept := map[string]fileEntry{}
	for _, p := range paths {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		e := s.read(p)
		kept[p] = e
		if e.err != nil {
			return nil, e.err
		}
		out = append(out, e.addrs...)
	}
	s.cache = kept
	return out, nil
}

// read returns a file's addresses, from the cache when it is unchanged.
func (s *fileSource) read(path string) fileEntry {
	fi, err := os.Stat(path)
	if err != nil {
		return fileEntry{err: err}
	}
	if c, ok := s.cache[path]; ok && c.err == nil && c.modTime.Equal(fi.ModTime()) && c.size == fi.Size() {
		return c
	}
	e := fileEntry{modTime: fi.ModTime(), size: fi.Size()}
	e.addrs, e.err = s.parse(path)
	return e
}

func (s *fileSource) parse(path string) ([]Address, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, s.maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	if int64(len(data)) > s.maxBytes {
		return nil, fmt.Errorf("%s is larger than %d MiB", path, s.maxBytes>>20)
	}
	var groups []fileGroup
	switch strings.ToLower(filepath.Ext(path)) {
	case ".yaml", ".yml":
		err = yaml.Unmarshal(data, &groups)
	default:
		err = json.Unmarshal(data, &groups)
	}
	if err != nil {
		return nil, fmt.Errorf("%s is not a file_sd list of {\"targets\": [...], \"labels\": {...}} groups: %v", path, firstLine(err.Error()))
	}
	var out []Address
	for _, g := range groups {
		if len(out)+len(g.Targets) > maxAddresses {
			return nil, fmt.Errorf("%s lists more than %d addresses", path, maxAddresses)
		}
		for _, t := range g.Targets {
			out = append(out, fileAddress(t, g.Labels))
		}
	}
	return out, nil
}

// fileAddress reads a file_sd target, "host:port". One that is not (a
// URL, a bare host) stays without host, to be counted as invalid.
func fileAddress(target string, labels map[string]string) Address {
	a := Address{Labels: labels}
	host, port, err := net.SplitHostPort(strings.TrimSpace(target))
	if err != nil {
		return a
	}
	p, err := strconv.Atoi(port)
	if err != nil {
		return a
	}
	a.Host, a.Port = host, p
	return a
}
