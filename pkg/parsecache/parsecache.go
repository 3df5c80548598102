// Package parsecache keeps the results of parsing dumps and profiles in
// memory, keyed by what identifies the parsed content, within a byte
// budget, so that the panels of a dashboard over one dump parse it once.
// Concurrent requests for a key that is not cached share one parse.
//
// The cache does not measure its values: each load says what its result
// costs, and the least recently used results are dropped to keep the sum
// within the budget.
package parsecache

import (
	"container/list"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"
)

// Cache holds values of type V. It is safe for concurrent use; values are
// shared between callers and must not be changed by them.
type Cache[V any] struct {
	budget int64

	flights singleflight.Group

	mu      sync.Mutex
	used    int64
	entries map[string]*list.Element
	// recency lists entries, most recently used first.
	recency *list.List
	stats   Stats
}

type entry[V any] struct {
	key   string
	value V
	size  int64
}

// Stats counts what the cache has done since it was created.
type Stats struct {
	// Hits are lookups answered from the cache, Loads the loads run, and
	// Shared the lookups that waited for another caller's load.
	Hits, Loads, Shared int64
	// Evictions are entries dropped to make room; TooLarge are results
	// not kept because they alone exceed the budget.
	Evictions, TooLarge int64
	// Entries and Bytes are what the cache holds now.
	Entries int
	Bytes   int64
}

// New returns a cache whose entries add up to at most budget bytes; with a
// budget of zero nothing is kept, but concurrent loads are still shared.
func New[V any](budget int64) *Cache[V] {
	return &Cache[V]{budget: max(budget, 0), entries: map[string]*list.Element{}, recency: list.New()}
}

// Outcome says how Get found its value.
type Outcome int

const (
	// Loaded: this call ran the load.
	Loaded Outcome = iota
	// Cached: the value was in the cache.
	Cached
	// Shared: another call was loading the same key and this one waited
	// for its result.
	Shared
)

// Get returns the value cached under key, or runs load, caches what it
// returns when it fits the budget, and returns it. size is load's estimate
// of the memory its value holds. A load that fails is not cached, and its
// error goes to every caller that waited for it.
func (c *Cache[V]) Get(key string, load func() (value V, size int64, err error)) (V, Outcome, error) {
	if v, ok := c.lookup(key); ok {
		return v, Cached, nil
	}
	// Do runs the function in the first caller's goroutine only, so
	// outcome stays Shared for the callers that waited.
	outcome := Shared
	res, err, _ := c.flights.Do(key, func() (any, error) {
		// A load that finished between the lookup and Do has cached
		// its value already.
		if v, ok := c.lookup(key); ok {
			outcome = Cached
			return v, nil
		}
		outcome = Loaded
		v, size, err := load()
		if err == nil {
			c.add(key, v, size)
		}
		return v, err
	})
	c.count(outcome)
	v, _ := res.(V)
	return v, outcome, err
}

// Peek returns the value cached under key, if any, without loading it:
// for a reader whose result is not worth keeping, which takes a parse
// that is there and leaves room for those that are.
func (c *Cache[V]) Peek(key string) (V, bool) {
	return c.lookup(key)
}

// ForgetAfter drops key's entry once d has passed: for a parse of content
// that nobody will ask for again after a while, such as a target's
// response, which the targets client replaces after its minimum interval.
func (c *Cache[V]) ForgetAfter(key string, d time.Duration) {
	time.AfterFunc(max(d, 0), func() {
		c.mu.Lock()
		defer c.mu.Unlock()
		if el, ok := c.entries[key]; ok {
			c.evict(el)
		}
	})
}

func (c *Cache[V]) lookup(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.entries[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.recency.MoveToFront(el)
	c.stats.Hits++
	return el.Value.(*entry[V]).value, true
}

func (c *Cache[V]) count(o Outcome) {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch o {
	case Loaded:
		c.stats.Loads++
	case Shared:
		c.stats.Shared++
	}
}

func (c *Cache[V]) add(key string, v V, size int64) {
	size = max(size, 1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if size > c.budget {
		c.stats.TooLarge++
		return
	}
	for c.used+size > c.budget {
		c.evict(c.recency.Back())
		c.stats.Evictions++
	}
	c.entries[key] = c.recency.PushFront(&entry[V]{key: key, value: v, size: size})
	c.used += size
}

func (c *Cache[V]) evict(el *list.Element) {
	e := c.recency.Remove(el).(*entry[V])
	delete(c.entries, e.key)
	c.used -= e.size
}

// Stats reports the counters and the current contents.
func (c *Cache[V]) Stats() Stats {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := c.stats
	s.Entries, s.Bytes = len(c.entries), c.used
	return s
}
