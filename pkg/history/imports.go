package history

import (
	"bytes"
	"errors"
	"time"

	bolt "go.etcd.io/bbolt"
)

// bucketImports holds the names of the segments (batches of another
// process's samples, see pkg/replicas) already appended, each with the
// time of its newest sample so Prune forgets it with its samples.
var bucketImports = []byte("imports")

// Import appends a segment's records and remembers its name in the same
// transaction, so a crash leaves both or neither. Appending a sample
// already stored merges it into the same row, so importing a segment
// twice stores each sample once.
func (s *Store) Import(segment string, records []Record) error {
	if segment == "" {
		return errors.New("history: a segment has no name")
	}
	newest := time.Time{}
	for _, r := range records {
		if r.At.After(newest) {
			newest = r.At
		}
	}
	return s.db.update(records, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketImports)
		if err != nil {
			return err
		}
		return b.Put([]byte(segment), timeKey(newest))
	})
}

// Imported reports whether a segment was imported.
func (s *Store) Imported(segment string) (bool, error) {
	found := false
	err := s.db.bolt.View(func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketImports); b != nil {
			found = b.Get([]byte(segment)) != nil
		}
		return nil
	})
	return found, err
}

// pruneImports forgets the segments whose newest sample is older than cut.
func pruneImports(tx *bolt.Tx, cut []byte) error {
	b := tx.Bucket(bucketImports)
	if b == nil {
		return nil
	}
	var old [][]byte
	err := b.ForEach(func(k, v []byte) error {
		if len(v) != 8 || bytes.Compare(v, cut) < 0 {
			old = append(old, bytes.Clone(k))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range old {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
