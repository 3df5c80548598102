package dumps

import (
	"fmt"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
)

// SourceUpload is the source of every uploaded dump; a directory's files have
// the source "dir:<name>".
const SourceUpload = "upload"

// Where a capture time came from.
const (
	CapturedFromContent  = "content"  // recorded in the dump (pprof profiles)
	CapturedFromLog      = "log"      // stamped on the log lines before the dump
	CapturedFromName     = "name"     // a timestamp in the file name
	CapturedFromUpload   = "upload"   // the upload time, for lack of anything better
	CapturedFromModified = "modified" // a directory file's modification time
	CapturedFromUser     = "user"     // set by a person after the upload
)

// Entry describes one dump, uploaded or found in a directory: a snapshot of
// a process at CapturedAt.
type Entry struct {
	// ID is the sha256 of an uploaded dump's bytes, or
	// "dir:<directory name>:<path relative to the directory>".
	ID     string `json:"id"`
	Source string `json:"source"`
	// Name is the original file name of an upload, or the path of a
	// directory file relative to its directory.
	Name              string            `json:"name"`
	Format            dumpformat.Format `json:"format"`
	FormatDescription string            `json:"formatDescription"`
	// Profile groups formats by what they describe ("goroutine", "heap"...).
	Profile string `json:"profile,omitempty"`
	// Detail is a one-line summary of the content, such as a crash's
	// first line or a profile's sample types.
	Detail     string `json:"detail,omitempty"`
	Compressed bool   `json:"compressed,omitempty"`
	Size       int64  `json:"size"`
	// CapturedAt is zero only for an entry that reports a directory that
	// cannot be read.
	CapturedAt time.Time `json:"capturedAt,omitzero"`
	// CapturedFrom says where CapturedAt came from (CapturedFrom...).
	CapturedFrom string `json:"capturedFrom"`
	// SnapshotCount is how many snapshots the file holds when it holds
	// several (a log of several crashes), 0 otherwise; Snapshots describe
	// them, the newest MaxListedSnapshots at most. CapturedAt is then the
	// newest snapshot's time.
	SnapshotCount int            `json:"snapshotCount,omitempty"`
	Snapshots     []SnapshotInfo `json:"snapshots,omitempty"`
	Uploader      string         `json:"uploader,omitempty"`
	UploadedAt    time.Time      `json:"uploadedAt,omitzero"`
	ModifiedAt    time.Time      `json:"modifiedAt,omitzero"`
	// Capture says why the backend captured the dump, for dumps of a
	// capture source.
	Capture *Capture `json:"capture,omitempty"`
	// Core describes a core dump: its executable, Go version, signal and
	// crashing goroutine.
	Core *CoreInfo `json:"core,omitempty"`
	// Error says why a directory file cannot be used (unreadable,
	// unrecognised, too large). Such entries are listed but are never
	// snapshots.
	Error string `json:"error,omitempty"`
}

// Usable reports whether the entry is a readable dump of a known format.
func (e Entry) Usable() bool { return e.Error == "" && e.Format.Known() }

func describe(e *Entry) {
	e.FormatDescription = e.Format.Description()
	e.Profile = e.Format.Profile()
}

// captureTime takes the time recorded in the content, else one in the file
// name; zero when neither has one.
func captureTime(d dumpformat.Detection, name string, loc *time.Location) (time.Time, string) {
	if !d.CapturedAt.IsZero() {
		return d.CapturedAt.UTC(), CapturedFromContent
	}
	if t, ok := dumpformat.TimeFromName(name, loc); ok {
		return t.UTC(), CapturedFromName
	}
	return time.Time{}, ""
}

// ContentKey changes whenever the entry's content does: an upload's id is
// the hash of its bytes, and a directory file is identified by its path,
// size and modification time.
func (e Entry) ContentKey() string {
	if !IsDirID(e.ID) {
		return e.ID
	}
	return fmt.Sprintf("%s|%d|%d", e.ID, e.Size, e.ModifiedAt.UnixNano())
}
