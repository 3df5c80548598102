package plugin

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/pprof/profile"
	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/frames"
	"github.com/goscope/pprof/pkg/profiles"
	"github.com/goscope/pprof/pkg/query"
	"github.com/goscope/pprof/pkg/settings"
	"github.com/goscope/pprof/pkg/targets"
)

// profileTypes are the profiles a target can be asked for; cpu is served
// at /profile?seconds=N.
var profileTypes = []string{"goroutine", "heap", "allocs", "cpu", "threadcreate", "block", "mutex", "goroutineleak"}

// defaultCPUSeconds is how long a CPU profile runs when the query does not
// say: a third of `go tool pprof`'s 30 s, because a panel waits for it.
const defaultCPUSeconds = 10

// queryProfile answers a profile as a flame graph (or a diff against a
// baseline), a top table, or counts per pprof label value.
func (d *Datasource) queryProfile(ctx context.Context, q *query.Query, tr backend.TimeRange) backend.DataResponse {
	po := q.Profile
	if po.ProfileType == "" {
		po.ProfileType = "goroutine"
	}
	if !slices.Contains(profileTypes, po.ProfileType) {
		return backend.ErrDataResponse(backend.StatusBadRequest, fmt.Sprintf("unknown profileType %q; use one of %s", po.ProfileType, strings.Join(profileTypes, ", ")))
	}
	seconds, err := d.cpuSeconds(po)
	if err != nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, err.Error())
	}
	opts := profileOptions(po)
	// The data source's node limit bounds every flame graph; a query may
	// only ask for fewer nodes.
	if opts.MaxNodes == 0 || opts.MaxNodes > d.settings.MaxProfileNodes {
		opts.MaxNodes = d.settings.MaxProfileNodes
	}
	fetch := func(ctx context.Context, t settings.Target) blob {
		return d.fetchProfile(ctx, t, po.ProfileType, seconds)
	}
	blobs, err := d.blobs(ctx, q, tr, isProfileDump, fetch)
	if err != nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, err.Error())
	}
	var baseline *loadedProfile
	if po.Baseline != nil && q.View == "flamegraph" {
		baseline, err = d.loadBaseline(ctx, po, seconds)
		if err != nil {
			return backend.ErrDataResponse(backend.StatusBadRequest, "baseline: "+err.Error())
		}
	}
	return answerEach(blobs, func(b blob) ([]*data.Frame, error) {
		return profileView(q.View, b, po.ProfileType, opts, baseline)
	})
}

func (d *Datasource) cpuSeconds(po query.ProfileOptions) (int, error) {
	if po.ProfileType != "cpu" {
		return 0, nil
	}
	s := po.Seconds
	if s == 0 {
		s = min(defaultCPUSeconds, d.settings.MaxProfileSeconds)
	}
	if s > d.settings.MaxProfileSeconds {
		return 0, fmt.Errorf("a %d s CPU profile is longer than the %d s this data source allows (maxProfileSeconds)", s, d.settings.MaxProfileSeconds)
	}
	return s, nil
}

func profileOptions(po query.ProfileOptions) profiles.Options {
	o := profiles.Options{
		SampleType: po.SampleType,
		Focus:      po.Focus,
		Ignore:     po.Ignore,
		Hide:       po.Hide,
		GroupBy:    po.GroupBy,
		MaxNodes:   po.MaxNodes,
		ByLine:     po.ByLine,
		// Top tables leave out what `go tool pprof -top` leaves out.
		NodeFraction: profiles.DefaultNodeFraction,
	}
	if po.NodeFraction != nil {
		o.NodeFraction = *po.NodeFraction
	}
	keys := make([]string, 0, len(po.LabelFilter))
	for k := range po.LabelFilter {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		o.LabelFilter = append(o.LabelFilter, profiles.LabelMatcher{Key: k, Op: profiles.MatchEqual, Value: po.LabelFilter[k]})
	}
	return o
}

// isProfileDump reports formats pprof can read: protobuf profiles and the
// debug=1 text profiles.
func isProfileDump(f dumpformat.Format) bool {
	switch f.Encoding() {
	case dumpformat.EncodingProtobuf:
		return true
	case dumpformat.EncodingText:
		return f != dumpformat.GoroutineText && f != dumpformat.CrashText
	}
	return false
}

// fetchProfile fetches a target's profile in the protobuf form.
func (d *Datasource) fetchProfile(ctx context.Context, t settings.Target, profileType string, seconds int) blob {
	e := targets.Profile(profileType, 0)
	if profileType == "cpu" {
		e = targets.Profile("profile", 0)
		e.Query.Set("seconds", fmt.Sprint(seconds))
		e.Duration = time.Duration(seconds) * time.Second
	}
	b := d.fetchPlain(ctx, t, e)
	b.profile = profileType
	var fe *targets.FetchError
	if profileType == "goroutineleak" && errors.As(b.err, &fe) && fe.Kind == targets.KindHTTPStatus {
		b.err = fmt.Errorf("%w (the goroutine leak profile is served by Go 1.26 and later built with GOEXPERIMENT=goroutineleakprofile)", b.err)
	}
	return b
}

type loadedProfile struct {
	p      *profile.Profile
	origin frames.Origin
}

// loadBaseline reads the diff's baseline: one target or one stored dump.
func (d *Datasource) loadBaseline(ctx context.Context, po query.ProfileOptions, seconds int) (*loadedProfile, error) {
	src := po.Baseline
	var b blob
	switch {
	case src.Dump != "":
		var err error
		if b, err = d.dumpBlob(src.Dump, isProfileDump); err != nil {
			return nil, err
		}
	case src.Target != "":
		ts, err := targets.Select(d.settings.Targets, src.Target)
		if err != nil {
			return nil, err
		}
		if len(ts) != 1 {
			return nil, fmt.Errorf("%q names %d targets; a baseline is one target", src.Target, len(ts))
		}
		b = d.fetchProfile(ctx, ts[0], po.ProfileType, seconds)
	default:
		return nil, errors.New("name a target or a dump")
	}
	if b.err != nil {
		return nil, b.err
	}
	p, err := profiles.Parse(b.data)
	if err != nil {
		return nil, err
	}
	return &loadedProfile{p: p, origin: b.origin}, nil
}

func profileView(view string, b blob, profileType string, opts profiles.Options, baseline *loadedProfile) ([]*data.Frame, error) {
	p, err := profiles.Parse(b.data)
	if err != nil {
		return nil, err
	}
	if b.profile != "" {
		profileType = b.profile
	}
	if opts.SampleType == "" {
		opts.SampleType = profiles.DefaultSampleType(profileType, p)
	}
	var fs []*data.Frame
	switch view {
	case "top":
		t, err := profiles.Top(p, opts)
		if err != nil {
			return nil, err
		}
		fs = []*data.Frame{frames.Top(t, b.origin)}
	case "labels":
		if opts.GroupBy == "" {
			return nil, fmt.Errorf("the labels view counts per value of a pprof label: set groupBy (labels in this profile: %s)", labelKeys(p))
		}
		lt, err := profiles.LabelCounts(p, opts)
		if err != nil {
			return nil, err
		}
		fs = frames.LabelSeries(lt, b.origin)
	case "flamegraph":
		if baseline != nil {
			t, err := profiles.Diff(baseline.p, p, opts)
			if err != nil {
				return nil, err
			}
			fs = []*data.Frame{frames.FlameGraphDiff(t, baseline.origin, b.origin)}
			break
		}
		t, err := profiles.Tree(p, opts)
		if err != nil {
			return nil, err
		}
		fs = []*data.Frame{frames.FlameGraph(t, b.origin)}
	default:
		return nil, fmt.Errorf("unknown view %q", view)
	}
	return fs, nil
}

func labelKeys(p *profile.Profile) string {
	keys := profiles.LabelKeys(p)
	if len(keys) == 0 {
		return "none"
	}
	return strings.Join(keys, ", ")
}
