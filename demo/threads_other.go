//go:build !unix

package main

import "errors"

// threadLeak needs blocking Unix pipes; elsewhere it refuses to start.
type threadLeak struct{ held goroutineCounter }

func (t *threadLeak) start(int, int) error {
	return errors.New("the thread leak needs Unix pipes and is not available on this system")
}

func (t *threadLeak) release() {}
