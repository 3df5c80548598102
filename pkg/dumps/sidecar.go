package dumps

import (
	"context"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/goscope/pprof/pkg/dumpformat"
)

const sidecarFormat = 1

// sidecar is the metadata stored next to an uploaded dump.
type sidecar struct {
	Version      int               `json:"version"`
	ID           string            `json:"id"`
	Source       string            `json:"source"`
	Name         string            `json:"name"`
	Size         int64             `json:"size"`
	Format       dumpformat.Format `json:"format"`
	Detail       string            `json:"detail,omitempty"`
	Compressed   bool              `json:"compressed,omitempty"`
	CapturedAt   time.Time         `json:"capturedAt"`
	CapturedFrom string            `json:"capturedFrom"`
	// DetectedAt and DetectedFrom keep the automatic capture time so that a
	// person's correction can be undone.
	DetectedAt   time.Time `json:"detectedAt"`
	DetectedFrom string    `json:"detectedFrom"`
	Uploader     string    `json:"uploader,omitempty"`
	UploadedAt   time.Time `json:"uploadedAt"`
	// SnapshotCount and Snapshots describe a file of several snapshots.
	SnapshotCount int            `json:"snapshotCount,omitempty"`
	Snapshots     []SnapshotInfo `json:"snapshots,omitempty"`
	// Capture is set on dumps the backend captured from a target, whose
	// Source is then the target's capture source.
	Capture *Capture `json:"capture,omitempty"`
	// Core describes a core dump and names its executable.
	Core *CoreInfo `json:"core,omitempty"`
}

func (m sidecar) entry() Entry {
	if m.Source == "" {
		m.Source = SourceUpload
	}
	e := Entry{
		ID:           m.ID,
		Source:       m.Source,
		Name:         m.Name,
		Format:       m.Format,
		Detail:       m.Detail,
		Compressed:   m.Compressed,
		Size:         m.Size,
		CapturedAt:   m.CapturedAt,
		CapturedFrom: m.CapturedFrom,
		Uploader:     m.Uploader,
		UploadedAt:   m.UploadedAt,

		SnapshotCount: m.SnapshotCount,
		Snapshots:     m.Snapshots,
		Capture:       m.Capture,
		Core:          m.Core,
	}
	describe(&e)
	return e
}

func isContentID(id string) bool {
	if len(id) != 64 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil && strings.ToLower(id) == id
}

// rebuildSidecar recreates lost metadata from the dump itself; the original
// name and uploader cannot be recovered.
func (s *Store) rebuildSidecar(id string) (sidecar, error) {
	ctx, cancel := context.WithTimeout(context.Background(), bucketTimeout)
	defer cancel()
	obj, err := s.bucket.Stat(ctx, dumpKey(id))
	if err != nil {
		return sidecar{}, err
	}
	path, err := s.files.path(ctx, dumpKey(id), obj.Size, id)
	if err != nil {
		return sidecar{}, err
	}
	c, err := s.open(path)
	if err != nil {
		return sidecar{}, err
	}
	defer c.Close()
	d, err := c.inspect("")
	if err != nil {
		return sidecar{}, fmt.Errorf("rebuilding metadata of dump %s: %w", id, err)
	}
	m := sidecar{
		Version:    sidecarFormat,
		ID:         id,
		Source:     SourceUpload,
		Name:       id[:12] + dumpExt,
		Size:       obj.Size,
		Format:     d.Format,
		Detail:     d.Detail,
		Compressed: d.Compressed,
		UploadedAt: obj.Modified.UTC(),
	}
	m.DetectedAt, m.DetectedFrom = d.CapturedAt, CapturedFromContent
	if m.DetectedAt.IsZero() {
		m.DetectedAt, m.DetectedFrom = m.UploadedAt, CapturedFromUpload
	}
	var snaps Snapshots
	if s.options().Validate != nil && d.Format.Known() {
		// The dump was accepted when it was uploaded; only its snapshots
		// are wanted here.
		_ = c.Read(func(plain []byte) error {
			snaps, _ = s.options().Validate(id, d.Format, plain)
			return nil
		})
	}
	m.describeSnapshots(snaps)
	return m, s.writeSidecar(m)
}

// describeSnapshots records the snapshots a dump holds and the capture time
// its log gives, then makes the detected time the capture time.
func (m *sidecar) describeSnapshots(snaps Snapshots) {
	m.SnapshotCount, m.Snapshots = snaps.listing()
	m.DetectedAt, m.DetectedFrom = snaps.captureTime(m.DetectedAt, m.DetectedFrom)
	m.CapturedAt, m.CapturedFrom = m.DetectedAt, m.DetectedFrom
}
