package plugin

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/goscope/pprof/pkg/settings"
	"github.com/goscope/pprof/pkg/targets"
)

// downWaitDivisor sets how long a query over several targets waits for a
// target the recorder found down: a tenth of the timeout (1 s of the
// default 10 s). A target that hangs would otherwise hold the whole query
// for the timeout, though the others answered long before; one that has
// come back answers within that time, and the recorder's next sample,
// which waits the full timeout, finds it again. A query that names the
// target alone waits the full timeout: whoever asks about it wants the
// real answer.
const downWaitDivisor = 10

// downMark is what the recorder's last sample of a target said when it
// failed by timeout or refusal.
type downMark struct {
	at  time.Time
	err error
}

// downTargets are the targets whose last sample by the recorder failed by
// timeout or refusal; a target leaves it with its next sample that
// answers.
type downTargets struct {
	mu    sync.Mutex
	marks map[string]downMark
}

// note records the outcome of the recorder's sample of a target taken
// at at.
func (dt *downTargets) note(name string, at time.Time, r reading) {
	dt.mu.Lock()
	defer dt.mu.Unlock()
	var fe *targets.FetchError
	if r.values["up"] == 0 && len(r.errs) > 0 && errors.As(r.errs[0], &fe) && (fe.Kind == targets.KindTimeout || fe.Kind == targets.KindRefused) {
		if dt.marks == nil {
			dt.marks = map[string]downMark{}
		}
		dt.marks[name] = downMark{at: at, err: fe}
		return
	}
	delete(dt.marks, name)
}

func (dt *downTargets) get(name string) (downMark, bool) {
	dt.mu.Lock()
	defer dt.mu.Unlock()
	m, ok := dt.marks[name]
	return m, ok
}

// targetWait gives a target of a query its deadline: a target the
// recorder found down gets a tenth of the timeout when the query is over
// several targets (many), and explain adds to an error of the target why
// it was not waited for longer. Others keep the query's context.
func (d *Datasource) targetWait(ctx context.Context, t settings.Target, many bool) (context.Context, context.CancelFunc, func(error) error) {
	keep := func(err error) error { return err }
	if !many {
		return ctx, func() {}, keep
	}
	mark, down := d.evidence.down.get(t.Name)
	if !down {
		return ctx, func() {}, keep
	}
	wait := d.settings.Timeout / downWaitDivisor
	ctx, cancel := context.WithTimeout(ctx, wait)
	return ctx, cancel, func(err error) error { return &downError{mark: mark, wait: wait, err: err} }
}

// downError is a failure of a target the recorder had found down.
type downError struct {
	mark downMark
	wait time.Duration
	err  error
}

func (e *downError) Error() string {
	return fmt.Sprintf("%v (down per the recorder: its sample at %s failed: %v; a query over several targets waits %s for it, a query of the target alone the full timeout)",
		e.err, e.mark.at.UTC().Format(time.TimeOnly+" UTC"), downKind(e.mark.err), e.wait)
}

func (e *downError) Unwrap() error { return e.err }

// downKind is what went wrong with the recorder's sample, without the
// target's name, which the message already gives.
func downKind(err error) string {
	var fe *targets.FetchError
	if errors.As(err, &fe) {
		return string(fe.Kind)
	}
	return err.Error()
}
