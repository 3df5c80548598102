package dumps

import (
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/objstore"
)

// Defaults for DirOptions fields left at zero.
const (
	DefaultMaxFileBytes int64 = 256 << 20
	DefaultRescanAfter        = 10 * time.Second
	DefaultMaxFiles           = 10000
	DefaultMaxDepth           = 4
)

// DirConfig is one dump directory as an admin configures it.
type DirConfig struct {
	// Name identifies the directory in ids and source names; letters,
	// digits, '.', '_' and '-'.
	Name string `json:"name"`
	// Path is the directory on the Grafana server.
	Path string `json:"path"`
	// Glob, when set, selects files: matched against the base name, or
	// against the relative path when it contains a '/'.
	Glob string `json:"glob,omitempty"`
	// Executable is where the executables of the directory's core dumps
	// are: a file (every core is of that program) or a directory (holding
	// each core's program by name). Empty: each core's executable is the
	// file named like the core's program in the core's own directory. For
	// a bucket source, the key of one executable under its prefix.
	Executable string `json:"executable,omitempty"`
}

// BucketSource is a bucket prefix that services (or a sidecar) ship dumps
// to, listed and read like a directory, read-only. Its files' ids are
// "bucket:<name>:<key under the prefix>".
type BucketSource struct {
	// Name, Glob and Executable are as for a directory; Path is unused.
	DirConfig
	// Bucket is the prefix the source lists.
	Bucket objstore.Bucket
}

// DirOptions configures the dump directories and bucket sources.
type DirOptions struct {
	Dirs    []DirConfig
	Buckets []BucketSource
	// CacheDir holds local copies of bucket sources' files, at most
	// CacheBytes of them (default DefaultCacheBytes); required with
	// Buckets.
	CacheDir   string
	CacheBytes int64
	// MaxFileBytes bounds the files read; larger ones are listed with an
	// error.
	MaxFileBytes int64
	// Limits bound what a file may expand to (gzip, and what a profile
	// decodes to); zero fields take the defaults.
	Limits dumpformat.Limits
	// RescanAfter is how long a listing is trusted before the directory is
	// walked again; a change of the directory's own modification time
	// (a file added, removed or renamed in it) triggers a walk sooner.
	RescanAfter time.Duration
	// MaxFiles bounds the files listed per directory.
	MaxFiles int
	// MaxDepth bounds how deep subdirectories are walked (1: no
	// subdirectories).
	MaxDepth int
	// Validate, when set, reads each goroutine dump, crash log and race log
	// when it is listed (again when it changes): a file it refuses is listed
	// with its reason and never used, and a log of several snapshots is
	// listed with them. Other formats are read only when queried.
	Validate Validator
	// Cores reads the core dumps found, with their executables; without
	// it cores are listed as not readable.
	Cores CoreReader
	// MaxCoreBytes bounds the core dumps read (default DefaultMaxCoreBytes).
	MaxCoreBytes int64
	// Location is the time zone of file name timestamps that carry none;
	// UTC when nil.
	Location *time.Location
	// Now returns the current time; time.Now when nil.
	Now func() time.Time
}

func (o *DirOptions) setDefaults() {
	if o.MaxFileBytes <= 0 {
		o.MaxFileBytes = DefaultMaxFileBytes
	}
	o.Limits = o.Limits.WithDefaults()
	if o.MaxCoreBytes <= 0 {
		o.MaxCoreBytes = DefaultMaxCoreBytes
	}
	if o.RescanAfter <= 0 {
		o.RescanAfter = DefaultRescanAfter
	}
	if o.MaxFiles <= 0 {
		o.MaxFiles = DefaultMaxFiles
	}
	if o.MaxDepth <= 0 {
		o.MaxDepth = DefaultMaxDepth
	}
	if o.CacheBytes <= 0 {
		o.CacheBytes = DefaultCacheBytes
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Now == nil {
		o.Now = time.Now
	}
}

var dirName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)

const (
	dirSourcePrefix    = "dir:"
	bucketSourcePrefix = "bucket:"
)

// DirSource is the source name of a dump directory.
func DirSource(name string) string { return dirSourcePrefix + name }

// BucketSourceID is the source name of a bucket source.
func BucketSourceID(name string) string { return bucketSourcePrefix + name }

// Directories lists and reads the dump files of admin-configured directories.
// Each file is a snapshot at its capture time, or several snapshots each at
// its own time (a service's log of several crashes). Listings follow the disk
// without a restart; a directory that is missing or unreadable, and files
// that cannot be read or recognised, show up as entries with an error.
type Directories struct {
	opts DirOptions
	dirs []*watchedDir
}

// OpenDirectories checks the configuration; it fails only on a configuration
// error (bad or duplicate name, empty path, bad glob), never because a
// directory cannot be read right now.
func OpenDirectories(opts DirOptions) (*Directories, error) {
	opts.setDefaults()
	d := &Directories{opts: opts}
	seen := map[string]bool{}
	for _, c := range opts.Dirs {
		if err := checkSource("dump directory", c, seen); err != nil {
			return nil, err
		}
		if strings.TrimSpace(c.Path) == "" {
			return nil, fmt.Errorf("dump directory %q has no path", c.Name)
		}
		d.dirs = append(d.dirs, &watchedDir{cfg: c, opts: &d.opts, kind: "dir", tree: &dirTree{dir: c.Path}})
	}
	if len(opts.Buckets) > 0 {
		c, err := openCache(filepath.Join(opts.CacheDir, "files"), filepath.Join(opts.CacheDir, "spool"), opts.CacheBytes)
		if err != nil {
			return nil, fmt.Errorf("dump buckets: cache: %w", err)
		}
		seen := map[string]bool{}
		for _, b := range opts.Buckets {
			if err := checkSource("dump bucket", b.DirConfig, seen); err != nil {
				return nil, err
			}
			t := &bucketTree{bucket: b.Bucket, cache: c, maxObjects: opts.MaxFiles, maxBytes: max(opts.MaxFileBytes, opts.MaxCoreBytes)}
			d.dirs = append(d.dirs, &watchedDir{cfg: b.DirConfig, opts: &d.opts, kind: "bucket", tree: t})
		}
	}
	return d, nil
}

// checkSource checks a source's name, unique among those of its kind
// (seen), and its glob.
func checkSource(kind string, c DirConfig, seen map[string]bool) error {
	if !dirName.MatchString(c.Name) {
		return fmt.Errorf("%s name %q: use 1 to 64 letters, digits, '.', '_' or '-'", kind, c.Name)
	}
	if seen[c.Name] {
		return fmt.Errorf("%s name %q is used twice", kind, c.Name)
	}
	seen[c.Name] = true
	if _, err := path.Match(c.Glob, ""); err != nil {
		return fmt.Errorf("%s %q: glob %q: %w", kind, c.Name, c.Glob, err)
	}
	return nil
}

// Sources describes the directories, then the bucket sources, in
// configuration order.
func (d *Directories) Sources() []Source {
	sources := make([]Source, len(d.dirs))
	for i, w := range d.dirs {
		sources[i] = Source{ID: w.source(), Name: w.cfg.Name, Kind: w.kind}
	}
	return sources
}

// List returns the entries of every directory, rescanning those whose
// listing is stale.
func (d *Directories) List() []Entry {
	var all []Entry
	for _, w := range d.dirs {
		all = append(all, w.list()...)
	}
	return all
}

// ListSource returns the entries of one source ("dir:<name>" or
// "bucket:<name>").
func (d *Directories) ListSource(source string) ([]Entry, error) {
	kind, name, _ := strings.Cut(source, ":")
	w := d.find(kind, name)
	if w == nil {
		return nil, errorf(ErrNotFound, "no dump source %q", source)
	}
	return w.list(), nil
}

// Get returns a directory file's entry and content, decompressed. Only files
// the directory's listing contains can be read, through a handle confined to
// the directory, so an id cannot reach outside it.
func (d *Directories) Get(id string) (Entry, *Content, error) {
	kind, name, rel, ok := splitDirID(id)
	if !ok {
		return Entry{}, nil, notFound(id)
	}
	w := d.find(kind, name)
	if w == nil {
		return Entry{}, nil, notFound(id)
	}
	return w.get(rel)
}

// Entry returns a directory file's entry without reading its content.
func (d *Directories) Entry(id string) (Entry, error) {
	kind, name, _, ok := splitDirID(id)
	if !ok {
		return Entry{}, notFound(id)
	}
	w := d.find(kind, name)
	if w == nil {
		return Entry{}, notFound(id)
	}
	for _, e := range w.list() {
		if e.ID == id {
			return e, nil
		}
	}
	return Entry{}, notFound(id)
}

func (d *Directories) find(kind, name string) *watchedDir {
	i := slices.IndexFunc(d.dirs, func(w *watchedDir) bool { return w.kind == kind && w.cfg.Name == name })
	if i < 0 {
		return nil
	}
	return d.dirs[i]
}

// IsDirID reports whether id names a file of a directory or bucket
// source.
func IsDirID(id string) bool {
	return strings.HasPrefix(id, dirSourcePrefix) || strings.HasPrefix(id, bucketSourcePrefix)
}

// isSourceOfFiles reports a directory or bucket source id.
func isSourceOfFiles(source string) bool { return IsDirID(source) }

// splitDirID parses dir:<name>:<relative path> and bucket:<name>:<key>.
// The path must be a clean relative path: no "..", no leading '/', no
// empty or "." elements.
func splitDirID(id string) (kind, name, rel string, ok bool) {
	kind, rest, found := strings.Cut(id, ":")
	if !found || (kind != "dir" && kind != "bucket") {
		return "", "", "", false
	}
	name, rel, found = strings.Cut(rest, ":")
	if !found || !dirName.MatchString(name) || rel == "." || !fs.ValidPath(rel) {
		return "", "", "", false
	}
	return kind, name, rel, true
}
