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
var profileTypes = query.ProfileTypeNames()

// defaultCPUSeconds is how long a CPU profile runs when the query does not
// say: a third of `go tool pprof`'s 30 s, because a panel waits for it.
var defaultCPUSeconds = query.Vocabulary.Defaults.CPUSeconds

// queryProfile answers a profile as a flame graph (or a diff against a
// baseline), a top table, or counts per pprof label value.
func (d *Datasource) queryProfile(ctx context.Context, q *query.Query, tr backend.TimeRange) backend.DataResponse {
	po := q.Profile
	if po.ProfileType == "" {
		po.ProfileType = query.Vocabulary.Defaults.ProfileType
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
	accepts := isProfileDump
	if q.Profile.ProfileType != "" && q.DumpSource != "" {
		// The newest dump of a source (a target's captures) in the
		// profile the query names.
		accepts = func(f dumpformat.Format) bool { return isProfileDump(f) && f.Profile() == po.ProfileType }
	}
	sources, err := d.sources(ctx, q, tr, accepts, fetch)
	if err != nil {
		return backend.ErrDataResponse(backend.StatusBadRequest, err.Error())
	}
	var baseline *loadedProfile
	previous := po.Baseline != nil && po.Baseline.Previous
	if po.Baseline != nil && !previous && q.View == "flamegraph" {
		baseline, err = d.loadBaseline(ctx, po, seconds)
		if err != nil {
			return backend.ErrDataResponse(backend.StatusBadRequest, "baseline: "+err.Error())
		}
	}
	resp := answerEach(sources, func(b blob) ([]*data.Frame, error) {
		base := baseline
		var alone []string
		if previous && q.View == "flamegraph" {
			prev, err := d.previousProfile(b, accepts)
			var none nothingBefore
			switch {
			case errors.As(err, &none):
				// The first capture of a target has nothing to be
				// compared with yet; its profile alone still answers.
				alone = []string{string(none) + ", so this flame graph shows the profile alone, without a baseline"}
			case err != nil:
				return nil, fmt.Errorf("baseline: %w", err)
			}
			base = prev
		}
		p, cut, use, err := d.parseProfile(b)
		if err != nil {
			return nil, err
		}
		fs, err := profileView(q.View, b, p, cut, po.ProfileType, opts, base)
		return withParseStats(withNotices(fs, alone), use), err
	})
	if q.View == "flamegraph" && len(resp.Frames) > 1 {
		frames.AddNotice(resp.Frames[0], data.NoticeSeverityWarning, fmt.Sprintf(
			"%d flame graphs answered, one per target; Grafana's flame graph panel draws the first only (%s): choose one target, or repeat the panel per target (the provisioned dashboards do)",
			len(resp.Frames), resp.Frames[0].Name))
	}
	return resp
}

// previousProfile is the baseline "previous": the profile of the same
// source and kind captured before the subject, outside its bundle.
func (d *Datasource) previousProfile(subject blob, accepts func(dumpformat.Format) bool) (*loadedProfile, error) {
	if subject.entry.ID == "" {
		return nil, errors.New("the previous profile is that of a stored dump's source; this profile was read from a target")
	}
	kind := func(f dumpformat.Format) bool { return accepts(f) && f.Profile() == subject.entry.Format.Profile() }
	e, ok := d.previousSnapshot(subject.entry.Source, subject, kind)
	if !ok {
		return nil, nothingBefore(fmt.Sprintf("%s has no %s profile before %s", sourceName(subject.entry.Source), subject.entry.Format.Profile(), snapshotTime(subject)))
	}
	open, err := d.dumpSource(e.ID, kind)
	if err != nil {
		return nil, err
	}
	b := open()
	defer b.close()
	if b.err != nil {
		return nil, b.err
	}
	p, _, _, err := d.parseProfile(b)
	if err != nil {
		return nil, err
	}
	return &loadedProfile{p: p, origin: b.origin}, nil
}

// nothingBefore says that a source holds no profile of the kind before
// the one a diff against the previous is asked for.
type nothingBefore string

func (e nothingBefore) Error() string { return string(e) }

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
		return f != dumpformat.GoroutineText && f != dumpformat.CrashText && f != dumpformat.RaceText
	}
	return false
}

// fetchProfile fetches a target's profile in the protobuf form.
func (d *Datasource) fetchProfile(ctx context.Context, t settings.Target, profileType string, seconds int) blob {
	b := d.fetchPlain(ctx, t, profileEndpoint(profileType, seconds))
	b.profile = profileType
	var fe *targets.FetchError
	if profileType == "goroutineleak" && errors.As(b.err, &fe) && fe.Kind == targets.KindHTTPStatus {
		b.err = fmt.Errorf("%w (the goroutine leak profile is served by Go 1.26 and later built with GOEXPERIMENT=goroutineleakprofile)", b.err)
	}
	return b
}

// profileEndpoint is where a target serves a profile in the protobuf
// form; a CPU profile runs for seconds.
func profileEndpoint(profileType string, seconds int) targets.Endpoint {
	if profileType != "cpu" {
		return targets.Profile(profileType, 0)
	}
	return timedEndpoint("profile", seconds)
}

// traceEndpoint is an execution trace of seconds.
func traceEndpoint(seconds int) targets.Endpoint { return timedEndpoint("trace", seconds) }

func timedEndpoint(path string, seconds int) targets.Endpoint {
	e := targets.Profile(path, 0)
	e.Query.Set("seconds", fmt.Sprint(seconds))
	e.Duration = time.Duration(seconds) * time.Second
	return e
}

type loadedProfile struct {
	p      *profile.Profile
	origin frames.Origin
	cut    dumpformat.StackCut
}

// loadBaseline reads the diff's baseline: one target or one stored dump.
func (d *Datasource) loadBaseline(ctx context.Context, po query.ProfileOptions, seconds int) (*loadedProfile, error) {
	src := po.Baseline
	var b blob
	switch {
	case src.Dump != "":
		open, err := d.dumpSource(src.Dump, isProfileDump)
		if err != nil {
			return nil, err
		}
		b = open()
		defer b.close()
	case src.Target != "":
		ts, err := targets.Select(d.allTargets(ctx), src.Target)
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
	p, cut, _, err := d.parseProfile(b)
	if err != nil {
		return nil, err
	}
	return &loadedProfile{p: p, origin: b.origin, cut: cut}, nil
}

// parseProfile parses a blob as a profile, or takes it from the cache;
// cut says which stacks were cut at parse time.
func (d *Datasource) parseProfile(b blob) (*profile.Profile, dumpformat.StackCut, parseUse, error) {
	p, use, err := d.parse(profileParser, b)
	if err == nil {
		err = p.err
	}
	return p.profile, p.cut, use, err
}

func profileView(view string, b blob, p *profile.Profile, cut dumpformat.StackCut, profileType string, opts profiles.Options, baseline *loadedProfile) ([]*data.Frame, error) {
	var notices []string
	if n := cut.Notice(); n != "" {
		notices = append(notices, n)
	}
	if baseline != nil && baseline.cut.Notice() != "" {
		notices = append(notices, "baseline: "+baseline.cut.Notice())
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
	return withNotices(fs, notices), nil
}

func labelKeys(p *profile.Profile) string {
	keys := profiles.LabelKeys(p)
	if len(keys) == 0 {
		return "none"
	}
	return strings.Join(keys, ", ")
}
