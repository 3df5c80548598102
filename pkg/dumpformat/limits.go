package dumpformat

import (
	"fmt"

	"github.com/google/pprof/profile"
)

// Limits bound what data may expand to in memory once decoded: its bytes
// are bounded elsewhere, but one byte of gzip or of packed protobuf decodes
// to hundreds. Zero fields take the defaults.
type Limits struct {
	// MaxDecompressedBytes bounds what gzip data may expand to.
	MaxDecompressedBytes int64
	// MaxSamples bounds the samples of a profile.
	MaxSamples int
	// MaxLocations bounds the locations of a profile, and separately its
	// functions and its mappings.
	MaxLocations int
	// MaxStackFrames bounds the stack frames over all samples of a profile
	// (each inlined call a frame of its own), and separately the other
	// entries a profile lists by the million when hostile: lines of
	// locations, values and labels of samples, strings.
	MaxStackFrames int
}

// Defaults of Limits. A real profile is far below each: the large CPU
// profile of the tests (300 CPU-seconds over 3000 functions) has 57 000
// samples, 45 000 locations and 600 000 stack frames. A crafted profile of
// 20 KB at the stack frame bound, whose 8 million frames all become
// distinct flame graph nodes, peaks at about 400 MiB of heap to decode and
// draw.
const (
	DefaultMaxSamples     = 1_000_000
	DefaultMaxLocations   = 1_000_000
	DefaultMaxStackFrames = 8_000_000
)

// The data source settings that raise each bound, named in errors so that
// an admin knows what to change.
const (
	settingDecompressed = "maxDecompressedMiB"
	settingSamples      = "maxProfileSamples"
	settingLocations    = "maxProfileLocations"
	settingStackFrames  = "maxStackFrames"
)

// WithDefaults returns l with every zero field set to its default.
func (l Limits) WithDefaults() Limits {
	if l.MaxDecompressedBytes <= 0 {
		l.MaxDecompressedBytes = DefaultDecompressedLimit
	}
	if l.MaxSamples <= 0 {
		l.MaxSamples = DefaultMaxSamples
	}
	if l.MaxLocations <= 0 {
		l.MaxLocations = DefaultMaxLocations
	}
	if l.MaxStackFrames <= 0 {
		l.MaxStackFrames = DefaultMaxStackFrames
	}
	return l
}

// BoundError reports a profile that holds more of something than a bound
// allows; it is found before the profile is decoded.
type BoundError struct {
	// What names what was counted: "samples", "stack frames"...
	What  string
	Limit int
	// Setting is the data source setting that raises the bound.
	Setting string
}

func (e *BoundError) Error() string {
	return fmt.Sprintf("the profile holds more than %d %s (the bound set by %s)", e.Limit, e.What, e.Setting)
}

// checkCount returns a *BoundError when n passes limit; what and setting
// name the count and the setting that bounds it.
func checkCount(what string, n, limit int, setting string) error {
	if n > limit {
		return &BoundError{What: what, Limit: limit, Setting: setting}
	}
	return nil
}

// CheckSamplesAndFrames checks the counts of a profile read from text,
// where nothing expands beyond the bytes but samples and frames: lines
// "@" a stack and frame comment lines.
func CheckSamplesAndFrames(samples, frames int, lim Limits) error {
	lim = lim.WithDefaults()
	if err := checkCount("samples", samples, lim.MaxSamples, settingSamples); err != nil {
		return err
	}
	return checkCount("stack frames", frames, lim.MaxStackFrames, settingStackFrames)
}

// MaxStackDepth is the deepest stack the parsers keep, in frames (inlined
// calls included). The Go runtime records at most 128 frames per profile
// sample by default and 1024 with GODEBUG=profstackdepth, and prints at most
// 100 per goroutine in a traceback; a stack deeper than this is corrupt or
// hostile, and cutting it keeps every later step (sorting stacks, building
// trees, grouping) from walking millions of frames per stack.
const MaxStackDepth = 10_000

// StackCut counts the stacks a parser cut to their innermost frames because
// they were deeper than MaxStackDepth.
type StackCut struct {
	Stacks int
	// Depth is how many frames the cut stacks kept: MaxStackDepth, or
	// fewer where a reader could not take that many (the smallest when it
	// varied).
	Depth int
	// Deepest is how many frames the deepest stack had before the cut.
	Deepest int
}

// Add records that a stack of depth frames was cut to kept frames.
func (c *StackCut) Add(depth, kept int) {
	if c.Stacks == 0 || kept < c.Depth {
		c.Depth = kept
	}
	c.Stacks++
	c.Deepest = max(c.Deepest, depth)
}

// Merge adds the cuts of o.
func (c *StackCut) Merge(o StackCut) {
	if o.Stacks == 0 {
		return
	}
	if c.Stacks == 0 || o.Depth < c.Depth {
		c.Depth = o.Depth
	}
	c.Stacks += o.Stacks
	c.Deepest = max(c.Deepest, o.Deepest)
}

// Notice says what was cut, for a reader of the results; empty when
// nothing was.
func (c StackCut) Notice() string {
	if c.Stacks == 0 {
		return ""
	}
	stacks := "1 stack was"
	if c.Stacks > 1 {
		stacks = fmt.Sprintf("%d stacks were", c.Stacks)
	}
	return fmt.Sprintf("%s deeper than %d frames (the deepest had %d) and cut to the innermost %d: no real Go stack is that deep, so the data is corrupt or crafted",
		stacks, c.Depth, c.Deepest, c.Depth)
}

// BoundStacks cuts every sample of p deeper than MaxStackDepth frames to
// its innermost MaxStackDepth (a location counts one frame per line, at
// least one), then checks the frames left against lim.MaxStackFrames,
// which bounds what trees and tables built from p walk.
func BoundStacks(p *profile.Profile, lim Limits) (StackCut, error) {
	lim = lim.WithDefaults()
	var cut StackCut
	total := 0
	for _, s := range p.Sample {
		depth := 0
		for i, loc := range s.Location {
			n := max(1, len(loc.Line))
			if depth+n > MaxStackDepth {
				whole := depth
				for _, rest := range s.Location[i:] {
					whole += max(1, len(rest.Line))
				}
				cut.Add(whole, depth)
				s.Location = s.Location[:i]
				break
			}
			depth += n
		}
		total += depth
		if total > lim.MaxStackFrames {
			return cut, &BoundError{What: "stack frames", Limit: lim.MaxStackFrames, Setting: settingStackFrames}
		}
	}
	return cut, nil
}
