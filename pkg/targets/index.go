package targets

import (
	"context"
	"errors"
	"net/url"
	"strconv"
	"time"

	"github.com/goscope/pprof/pkg/indexpage"
	"github.com/goscope/pprof/pkg/settings"
)

// IndexEndpoint is the /debug/pprof/ page itself.
var IndexEndpoint = Endpoint{Path: "", Cheap: true}

// Index fetches and parses a target's index page.
func (c *Client) Index(ctx context.Context, t settings.Target) (*indexpage.Index, time.Time, error) {
	r, err := c.Get(ctx, t, IndexEndpoint)
	if err != nil {
		return nil, time.Time{}, err
	}
	ix, err := indexpage.Parse(r.Body)
	if err != nil {
		var fe *FetchError
		if errors.As(err, &fe) {
			return nil, time.Time{}, err
		}
		// The error quotes the page (its title, its first bytes).
		return nil, time.Time{}, &FetchError{Target: t.Name, Endpoint: IndexEndpoint.String(), URL: t.URL + "/", Kind: KindNotIndex,
			Err: errors.New(c.redactor.Relay(err.Error()) + " (is the URL the /debug/pprof base of a Go process?)")}
	}
	return ix, r.FetchedAt, nil
}

// Profile returns the endpoint of a named profile, with debug=N when debug
// is above zero (debug=0 is the protobuf form).
func Profile(name string, debug int) Endpoint {
	q := url.Values{}
	if debug > 0 {
		q.Set("debug", strconv.Itoa(debug))
	}
	return Endpoint{Path: name, Query: q}
}
