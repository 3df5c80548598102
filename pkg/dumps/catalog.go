package dumps

import (
	"slices"
	"strings"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// Catalog is the one view of every dump, uploaded or in a directory, that
// queries, template variables, annotations and the dump API read from.
type Catalog struct {
	store *Store
	dirs  *Directories
}

// NewCatalog joins an upload store and dump directories; either may be nil
// when that kind of source is not configured.
func NewCatalog(store *Store, dirs *Directories) *Catalog {
	return &Catalog{store: store, dirs: dirs}
}

// Store returns the upload store, nil when uploads are not configured.
func (c *Catalog) Store() *Store { return c.store }

// Filter selects entries. Zero fields select everything.
type Filter struct {
	// Source is "upload", "capture:<target>", "dir:<name>",
	// "bucket:<name>", or "capture", "dir" or "bucket" for every source of
	// the kind.
	Source string
	// Format selects one format.
	Format dumpformat.Format
	// Profile selects every format of a profile ("goroutine" takes
	// goroutine dumps, crash output, debug=1 text and protobuf alike).
	Profile string
	// From and To bound the capture time, both inclusive; a file of several
	// snapshots matches when any of them was captured in between.
	From, To time.Time
}

func (f Filter) matches(e Entry) bool {
	switch {
	case f.Source == "dir" && !strings.HasPrefix(e.Source, dirSourcePrefix):
		return false
	case f.Source == "bucket" && !strings.HasPrefix(e.Source, bucketSourcePrefix):
		return false
	case f.Source == "capture" && !IsCaptureSource(e.Source):
		return false
	case f.Source != "" && f.Source != "dir" && f.Source != "bucket" && f.Source != "capture" && e.Source != f.Source:
		return false
	case f.Format != "" && e.Format != f.Format:
		return false
	case f.Profile != "" && e.Format.Profile() != f.Profile:
		return false
	}
	if f.From.IsZero() && f.To.IsZero() {
		return true
	}
	_, within := e.NewestWithin(f.From, f.To)
	return within
}

// List returns the matching entries, most recently captured first,
// including directory files that cannot be used (with their error).
func (c *Catalog) List(f Filter) []Entry {
	var all []Entry
	storeSource := f.Source == "" || f.Source == SourceUpload || f.Source == "capture" || IsCaptureSource(f.Source)
	if c.store != nil && storeSource {
		all = append(all, c.store.List()...)
	}
	if c.dirs != nil && (f.Source == "" || isSourceOfFiles(f.Source) || f.Source == "dir" || f.Source == "bucket") {
		if isSourceOfFiles(f.Source) {
			entries, _ := c.dirs.ListSource(f.Source)
			all = append(all, entries...)
		} else {
			all = append(all, c.dirs.List()...)
		}
	}
	matching := all[:0]
	for _, e := range all {
		if f.matches(e) {
			matching = append(matching, e)
		}
	}
	sortNewestFirst(matching)
	return matching
}

// Snapshots returns the usable matching entries in capture order, oldest
// first: the points of a history over a time range.
func (c *Catalog) Snapshots(f Filter) []Entry {
	entries := slices.DeleteFunc(c.List(f), func(e Entry) bool { return !e.Usable() })
	slices.Reverse(entries)
	return entries
}

// Latest returns the most recently captured usable matching entry.
func (c *Catalog) Latest(f Filter) (Entry, bool) {
	for _, e := range c.List(f) {
		if e.Usable() {
			return e, true
		}
	}
	return Entry{}, false
}

// Entry returns one entry by id without reading its content.
func (c *Catalog) Entry(id string) (Entry, error) {
	switch {
	case IsDirID(id) && c.dirs != nil:
		return c.dirs.Entry(id)
	case !IsDirID(id) && c.store != nil:
		return c.store.Entry(id)
	}
	return Entry{}, notFound(id)
}

// Get returns one entry and its content, opened for reading; the caller
// closes the content.
func (c *Catalog) Get(id string) (Entry, *Content, error) {
	switch {
	case IsDirID(id) && c.dirs != nil:
		return c.dirs.Get(id)
	case !IsDirID(id) && c.store != nil:
		return c.store.Get(id)
	}
	return Entry{}, nil, notFound(id)
}

// SetCapturedAt corrects the capture time of an uploaded dump; the zero
// time restores the one found automatically. Directory dumps are read-only.
func (c *Catalog) SetCapturedAt(id string, t time.Time) (Entry, error) {
	if err := c.writable(id); err != nil {
		return Entry{}, err
	}
	return c.store.SetCapturedAt(id, t)
}

// Delete removes an uploaded dump. Directory dumps are read-only.
func (c *Catalog) Delete(id string) error {
	if err := c.writable(id); err != nil {
		return err
	}
	return c.store.Delete(id)
}

func (c *Catalog) writable(id string) error {
	switch {
	case IsDirID(id):
		return errorf(ErrReadOnly, "%s is a file in a dump directory; directory dumps are read-only", id)
	case c.store == nil:
		return notFound(id)
	}
	return nil
}

// Source describes one place dumps come from.
type Source struct {
	// ID is what Filter.Source and Entry.Source hold.
	ID string `json:"id"`
	// Name is the directory's or bucket source's name, or "uploads".
	Name string `json:"name"`
	Kind string `json:"kind"` // "upload", "capture", "dir" or "bucket"
}

// Sources lists the sources: uploads first, then the capture source of
// every target with captured dumps, by name, then directories and bucket
// sources in configuration order.
func (c *Catalog) Sources() []Source {
	var sources []Source
	if c.store != nil {
		sources = append(sources, Source{ID: SourceUpload, Name: "uploads", Kind: "upload"})
		for _, target := range c.store.CaptureTargets() {
			sources = append(sources, Source{ID: CaptureSource(target), Name: "captures of " + target, Kind: "capture"})
		}
	}
	if c.dirs != nil {
		sources = append(sources, c.dirs.Sources()...)
	}
	return sources
}
