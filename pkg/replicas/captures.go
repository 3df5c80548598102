package replicas

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/goscope/pprof/pkg/objstore"
)

// ErrCaptureClaimed says another replica takes this interval's capture of
// a target.
var ErrCaptureClaimed = errors.New("another replica takes this capture")

// captureClaimKeep is how long capture claims stay in the bucket, for a
// person wondering which replica took a capture.
const captureClaimKeep = time.Hour

func (c *Coordinator) captureKey(target string, slot int64) string {
	return fmt.Sprintf("%s/captures/t-%s/%015d", c.o.Root, target, slot)
}

// ClaimCapture decides whether this replica captures a target for a sample
// taken at a time: the first replica to claim the target's record
// interval holding that time does, the others get ErrCaptureClaimed.
func (c *Coordinator) ClaimCapture(ctx context.Context, target string, at time.Time, interval time.Duration) error {
	ms := interval.Milliseconds()
	if ms <= 0 {
		return fmt.Errorf("capture claim: interval %v", interval)
	}
	slot := at.UnixMilli() - at.UnixMilli()%ms
	key := c.captureKey(target, slot)
	if !objstore.ValidKey(key) {
		return fmt.Errorf("capture claim: target %q makes no valid object key", target)
	}
	body, _ := json.Marshal(map[string]any{"replica": c.id, "at": at.UTC()})
	err := c.o.Bucket.PutIfAbsent(ctx, key, bytes.NewReader(body), int64(len(body)))
	if errors.Is(err, objstore.ErrExists) {
		return ErrCaptureClaimed
	}
	if err != nil {
		return fmt.Errorf("capture claim %s: %w", key, err)
	}
	return nil
}
