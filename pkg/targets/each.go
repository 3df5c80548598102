package targets

import (
	"sync"

	"github.com/goscope/pprof/pkg/settings"
)

// maxParallel bounds how many targets one query fetches at once, so a
// regex over hundreds of targets does not open hundreds of connections,
// while enough run at once that targets which hang until the timeout hold
// up few of the others.
const maxParallel = 64

// Each calls fn for every target concurrently and returns the results in
// the targets' order.
func Each[T any](ts []settings.Target, fn func(settings.Target) T) []T {
	out := make([]T, len(ts))
	sem := make(chan struct{}, maxParallel)
	var wg sync.WaitGroup
	for i, t := range ts {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			out[i] = fn(t)
		}()
	}
	wg.Wait()
	return out
}
