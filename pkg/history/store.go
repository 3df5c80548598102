// Package history keeps the figures the recorder samples from every target
// (up, goroutines, threads, memory, goroutines per state category...) in an
// embedded database file, so that time series and alert rules over a range
// survive a restart of Grafana or of the plugin, even a kill -9, and answers
// ranges downsampled to a panel's step.
//
// The engine is bbolt (go.etcd.io/bbolt): a pure Go B+tree in one file with
// ACID transactions. It was chosen over SQLite in pure Go (modernc.org/sqlite)
// because the plugin is cross-compiled for six platforms (Grafana's mage
// targets) and bbolt adds about 0.44 MB to each stripped binary against
// about 4.7 MB for the transpiled SQLite (measured on linux/amd64 and
// linux/arm); a commit is atomic and durable (fsync, then a meta
// page switch), so a killed process leaves the last committed transaction
// and nothing half-written; and keys are sorted bytes, so a time range is a
// cursor seek over big-endian timestamps. What SQLite would add (SQL,
// secondary indexes) is not needed by a per-target time series.
//
// Layout: a bucket per target below "targets", keyed by the sample time in
// nanoseconds (8 bytes, big-endian), whose value holds the sample's figures
// as (figure id, value) pairs; figure names get small ids in the "figures"
// bucket, so a row costs a few bytes per figure.
package history

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	bolt "go.etcd.io/bbolt"
	bolterrors "go.etcd.io/bbolt/errors"
)

// Sample is one reading of a target: figure name → value.
type Sample struct {
	At     time.Time
	Values map[string]float64
}

// Record is a sample of one target, as appended.
type Record struct {
	Target string
	Sample
}

var (
	bucketTargets = []byte("targets")
	bucketFigures = []byte("figures")
	bucketMeta    = []byte("meta")
	keyVersion    = []byte("version")
)

const layoutVersion = 1

const appendFillPercent = 0.95

// lockTimeout is how long Open waits for another process to release the
// file before saying so.
const lockTimeout = 2 * time.Second

// Store is an open history file. Every Open of the same path in a process
// shares one database (bbolt locks the file per open), so a data source
// whose settings change can open the store before its old instance closes
// it.
type Store struct {
	db   *database
	once sync.Once
}

type database struct {
	path string
	bolt *bolt.DB
	// recovered says what Open did with a file it could not read.
	recovered string
	refs      int

	mu      sync.RWMutex
	figures map[string]uint64
	names   []string
}

var open = struct {
	sync.Mutex
	dbs map[string]*database
}{dbs: map[string]*database{}}

// Open opens (or creates) the history file at path. A file that is not a
// readable database is moved aside and a new one started; Recovered says
// so.
func Open(path string) (*Store, error) {
	return openWith(path, false)
}

// openWith is Open with fsync optionally off, for building large
// benchmark stores quickly.
func openWith(path string, noSync bool) (*Store, error) {
	abs, err := filepath.Abs(path)
	if err != nil {
		return nil, err
	}
	open.Lock()
	defer open.Unlock()
	if db := open.dbs[abs]; db != nil {
		db.refs++
		return &Store{db: db}, nil
	}
	db, err := openDatabase(abs, noSync)
	if err != nil {
		return nil, err
	}
	db.refs = 1
	open.dbs[abs] = db
	return &Store{db: db}, nil
}

func openDatabase(path string, noSync bool) (*database, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, fmt.Errorf("history: %w", err)
	}
	opts := &bolt.Options{Timeout: lockTimeout, NoSync: noSync, FreelistType: bolt.FreelistMapType}
	b, err := bolt.Open(path, 0o600, opts)
	var recovered string
	if isUnreadable(err) {
		aside := fmt.Sprintf("%s.unreadable-%s", path, time.Now().UTC().Format("20060102T150405Z"))
		if renameErr := os.Rename(path, aside); renameErr != nil {
			return nil, fmt.Errorf("history file %s is unreadable (%v) and cannot be moved aside: %w", path, err, renameErr)
		}
		recovered = fmt.Sprintf("the history file could not be read (%v); it was moved to %s and history starts anew", err, aside)
		b, err = bolt.Open(path, 0o600, opts)
	}
	if errors.Is(err, bolterrors.ErrTimeout) {
		return nil, fmt.Errorf("history file %s is in use by another process (two Grafana servers sharing one data directory?)", path)
	}
	if err != nil {
		return nil, fmt.Errorf("history file %s: %w", path, err)
	}
	db := &database{path: path, bolt: b, recovered: recovered, figures: map[string]uint64{}}
	if err := db.init(); err != nil {
		b.Close()
		return nil, fmt.Errorf("history file %s: %w", path, err)
	}
	return db, nil
}

func isUnreadable(err error) bool {
	return errors.Is(err, bolterrors.ErrInvalid) || errors.Is(err, bolterrors.ErrChecksum) || errors.Is(err, bolterrors.ErrVersionMismatch)
}

// init creates the buckets and loads the figure names.
func (db *database) init() error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		meta, err := tx.CreateBucketIfNotExists(bucketMeta)
		if err != nil {
			return err
		}
		if v := meta.Get(keyVersion); v != nil && !bytes.Equal(v, []byte{layoutVersion}) {
			return fmt.Errorf("the file has layout version %d; this plugin reads version %d", v[0], layoutVersion)
		}
		if err := meta.Put(keyVersion, []byte{layoutVersion}); err != nil {
			return err
		}
		if _, err := tx.CreateBucketIfNotExists(bucketTargets); err != nil {
			return err
		}
		figures, err := tx.CreateBucketIfNotExists(bucketFigures)
		if err != nil {
			return err
		}
		return figures.ForEach(func(k, v []byte) error {
			id, n := binary.Uvarint(v)
			if n <= 0 {
				return fmt.Errorf("figure %q has a corrupt id", k)
			}
			db.setFigure(string(k), id)
			return nil
		})
	})
}

func (db *database) setFigure(name string, id uint64) {
	db.figures[name] = id
	for uint64(len(db.names)) <= id {
		db.names = append(db.names, "")
	}
	db.names[id] = name
}

// Close releases this handle; the file is closed with the last one.
func (s *Store) Close() error {
	var err error
	s.once.Do(func() {
		open.Lock()
		defer open.Unlock()
		s.db.refs--
		if s.db.refs > 0 {
			return
		}
		delete(open.dbs, s.db.path)
		err = s.db.bolt.Close()
	})
	return err
}

// Path is the history file.
func (s *Store) Path() string { return s.db.path }

// Recovered says what Open did with an unreadable file, empty when nothing.
func (s *Store) Recovered() string { return s.db.recovered }

// Size is the file's size in bytes.
func (s *Store) Size() (int64, error) {
	info, err := os.Stat(s.db.path)
	if err != nil {
		return 0, err
	}
	return info.Size(), nil
}

// Append writes samples in one transaction: one fsync for a whole round of
// targets. A sample at the same time as a stored one of the same target is
// merged into it.
func (s *Store) Append(records []Record) error {
	if len(records) == 0 {
		return nil
	}
	return s.db.update(records, nil)
}

// update appends records, and runs also (when set) in the same
// transaction.
func (db *database) update(records []Record, also func(tx *bolt.Tx) error) error {
	return db.bolt.Update(func(tx *bolt.Tx) error {
		targets := tx.Bucket(bucketTargets)
		figures := tx.Bucket(bucketFigures)
		// New figure ids become visible to readers only once committed.
		added := map[string]uint64{}
		idOf := func(name string) (uint64, error) {
			db.mu.RLock()
			id, ok := db.figures[name]
			db.mu.RUnlock()
			if ok {
				return id, nil
			}
			if id, ok := added[name]; ok {
				return id, nil
			}
			id, err := figures.NextSequence()
			if err != nil {
				return 0, err
			}
			if err := figures.Put([]byte(name), binary.AppendUvarint(nil, id)); err != nil {
				return 0, err
			}
			added[name] = id
			return id, nil
		}
		for _, r := range records {
			if r.Target == "" {
				return errors.New("a record has no target")
			}
			b, err := targets.CreateBucketIfNotExists([]byte(r.Target))
			if err != nil {
				return err
			}
			// Samples arrive in time order, so pages are filled rather
			// than split in half (bbolt's default suits random keys).
			b.FillPercent = appendFillPercent
			key := timeKey(r.At)
			values := r.Values
			if old := b.Get(key); old != nil {
				values, err = db.mergeRow(old, r.Values, added)
				if err != nil {
					return err
				}
			}
			row, err := encodeRow(values, idOf)
			if err != nil {
				return err
			}
			if err := b.Put(key, row); err != nil {
				return err
			}
		}
		if len(added) > 0 {
			// Registered on commit: an id seen by a reader must be in the file.
			tx.OnCommit(func() {
				db.mu.Lock()
				defer db.mu.Unlock()
				for name, id := range added {
					db.setFigure(name, id)
				}
			})
		}
		if also != nil {
			return also(tx)
		}
		return nil
	})
}

// mergeRow decodes a stored row and overlays new values on it.
func (db *database) mergeRow(old []byte, values map[string]float64, added map[string]uint64) (map[string]float64, error) {
	names := db.nameTable(added)
	merged := map[string]float64{}
	err := decodeRow(old, func(id uint64, v float64) {
		if id < uint64(len(names)) && names[id] != "" {
			merged[names[id]] = v
		}
	})
	for k, v := range values {
		merged[k] = v
	}
	return merged, err
}

// namesIn is id → name as a read transaction sees the file. A writer
// registers its new figures once committed, so a reader that starts in
// between would miss them: then the names come from the file itself.
func (db *database) namesIn(tx *bolt.Tx) []string {
	names := db.nameTable(nil)
	figures := tx.Bucket(bucketFigures)
	if figures.Sequence() < uint64(len(names)) {
		return names
	}
	names = nil
	_ = figures.ForEach(func(k, v []byte) error {
		if id, n := binary.Uvarint(v); n > 0 {
			for uint64(len(names)) <= id {
				names = append(names, "")
			}
			names[id] = string(k)
		}
		return nil
	})
	return names
}

// nameTable is id → name, including ids added by the current transaction.
func (db *database) nameTable(added map[string]uint64) []string {
	db.mu.RLock()
	names := append([]string(nil), db.names...)
	db.mu.RUnlock()
	for name, id := range added {
		for uint64(len(names)) <= id {
			names = append(names, "")
		}
		names[id] = name
	}
	return names
}

func timeKey(t time.Time) []byte {
	return binary.BigEndian.AppendUint64(nil, uint64(max(t.UnixNano(), 0)))
}

func keyTime(k []byte) time.Time {
	return time.Unix(0, int64(binary.BigEndian.Uint64(k))).UTC()
}
