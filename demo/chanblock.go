package main

// channelBlock parks goroutines on unbuffered channels nobody serves: a third
// send with no receiver, a third receive with no sender, and a third wait in
// a select where no case is ready.
type channelBlock struct {
	held   goroutineCounter
	groups []*blockedChannels
}

// blockedChannels is the channels one request's goroutines block on.
type blockedChannels struct {
	requests chan int      // senders block here; release receives
	replies  chan int      // receivers and selects block here; release closes
	cancel   chan struct{} // the select's other case; release closes
	senders  int
}

// start blocks n goroutines, split as evenly as possible between sending,
// receiving and selecting, senders taking any remainder.
func (c *channelBlock) start(n int) error {
	if total := c.held.count() + n; total > maxChannelBlockGoroutines {
		return conflict("channel blocks would hold %d goroutines, more than the %d allowed; reset first", total, maxChannelBlockGoroutines)
	}
	g := &blockedChannels{
		requests: make(chan int),
		replies:  make(chan int),
		cancel:   make(chan struct{}),
	}
	receivers, selects := n/3, n/3
	g.senders = n - receivers - selects
	c.held.add(n)
	for i := range g.senders {
		go c.sendNobodyReceives(g.requests, i)
	}
	for range receivers {
		go c.receiveNobodySends(g.replies)
	}
	for range selects {
		go c.selectNothingReady(g.replies, g.cancel)
	}
	c.groups = append(c.groups, g)
	return nil
}

func (c *channelBlock) sendNobodyReceives(requests chan<- int, request int) {
	defer c.held.done()
	requests <- request
}

func (c *channelBlock) receiveNobodySends(replies <-chan int) {
	defer c.held.done()
	<-replies
}

// selectNothingReady needs two cases: the compiler turns a one-case select
// into a plain channel operation, which a dump shows as "chan receive".
func (c *channelBlock) selectNothingReady(replies <-chan int, cancel <-chan struct{}) {
	defer c.held.done()
	select {
	case <-replies:
	case <-cancel:
	}
}

// release takes every pending send and closes the channels the others wait on.
func (c *channelBlock) release() {
	for _, g := range c.groups {
		for range g.senders {
			<-g.requests
		}
		close(g.replies)
		close(g.cancel)
	}
	c.groups = nil
}
