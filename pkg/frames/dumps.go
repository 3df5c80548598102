package frames

import (
	"fmt"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/goscope/pprof/pkg/dumpformat"
	"github.com/goscope/pprof/pkg/dumps"
)

// DumpTable lists dumps as a table for the Dump explorer. Its "value"
// (the dump id) and "text" (name and capture time) fields are what Grafana
// takes for a template variable's values and labels; the table shows them as
// "ID" and "Dump". "Snapshots" says how many snapshots each file holds (a
// log of several crashes holds one per crash).
func DumpTable(entries []dumps.Entry) *data.Frame {
	f := data.NewFrame("dumps",
		dumpField("value", "ID", []string{}),
		dumpField("text", "Dump", []string{}),
		dumpField("capturedAt", "Captured", []*time.Time{}),
		dumpField("name", "Name", []string{}),
		dumpField("source", "Source", []string{}),
		dumpField("format", "Format", []string{}),
		dumpField("kind", "Kind", []string{}),
		dumpField("size", "Size", []int64{}),
		dumpField("snapshots", "Snapshots", []int64{}),
		dumpField("capturedFrom", "Capture time from", []string{}),
		dumpField("detail", "Detail", []string{}),
		dumpField("uploader", "Uploaded by", []string{}),
		dumpField("uploadedAt", "Uploaded", []*time.Time{}),
		dumpField("error", "Error", []string{}),
		dumpField("reason", "Capture reason", []string{}),
	)
	f.Fields[7].Config.Unit = "bytes"
	for _, e := range entries {
		reason := ""
		if e.Capture != nil {
			reason = e.Capture.Reason
		}
		f.AppendRow(e.ID, dumpLabel(e), dumpTime(e.CapturedAt), e.Name, e.Source, string(e.Format),
			e.FormatDescription, e.Size, int64(max(e.SnapshotCount, 1)), e.CapturedFrom, e.Detail, e.Uploader, dumpTime(e.UploadedAt), e.Error, reason)
	}
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTable, PreferredVisualization: data.VisTypeTable}
	if len(entries) == 0 {
		AddNotice(f, data.NoticeSeverityInfo, "No dumps match: upload one from the query editor, or check the source and format.")
	}
	return f
}

// DumpSources lists the sources of dumps with "value" and "text" fields, for
// a template variable that picks a source.
func DumpSources(sources []dumps.Source) *data.Frame {
	values := make([]string, len(sources))
	texts := make([]string, len(sources))
	for i, s := range sources {
		values[i] = s.ID
		texts[i] = s.Name
	}
	f := data.NewFrame("sources", data.NewField("value", nil, values), data.NewField("text", nil, texts))
	f.Meta = &data.FrameMeta{Type: data.FrameTypeTable}
	return f
}

// CaptureAnnotations marks when dumps were captured, for a dashboard
// annotation query: Grafana reads the "time", "title", "text" and "tags"
// fields, and splits tags on commas. A bundle the backend captured when
// rules fired is one event, at the time they fired, with the reason; other
// entries are one each. Entries without a capture time are left out;
// callers usually pass a catalog's snapshots in a time range.
func CaptureAnnotations(entries []dumps.Entry) *data.Frame {
	f := data.NewFrame("dump captures",
		data.NewField("time", nil, []time.Time{}),
		data.NewField("title", nil, []string{}),
		data.NewField("text", nil, []string{}),
		data.NewField("tags", nil, []string{}),
		data.NewField("id", nil, []string{}),
	)
	bundles := map[string][]dumps.Entry{}
	var order []string
	for _, e := range entries {
		switch {
		case e.CapturedAt.IsZero():
		case e.Capture != nil:
			key := e.Source + " " + e.Capture.Bundle
			if bundles[key] == nil {
				order = append(order, key)
			}
			bundles[key] = append(bundles[key], e)
		case len(e.Snapshots) == 0:
			f.AppendRow(e.CapturedAt, e.Name, annotationText(e), strings.Join(annotationTags(e), ","), e.ID)
		default:
			// A log of several snapshots is marked at each snapshot's time.
			for _, info := range e.Snapshots {
				title := fmt.Sprintf("%s (snapshot %d of %d)", e.Name, info.Index, e.SnapshotCount)
				text := annotationText(e)
				if info.Detail != "" {
					text = info.Detail + " · " + text
				}
				f.AppendRow(e.SnapshotTime(info), title, text, strings.Join(annotationTags(e), ","), e.ID)
			}
		}
	}
	for _, key := range order {
		parts := bundles[key]
		c := parts[0].Capture
		var names []string
		id := parts[0].ID
		for _, p := range parts {
			names = append(names, p.Capture.Part)
			if p.Format.CarriesStates() && !p.Capture.Baseline {
				id = p.ID
			}
		}
		tags := append([]string{"capture", c.Target}, c.Figures...)
		f.AppendRow(c.At, "Capture of "+c.Target, c.Reason+" · "+strings.Join(names, ", "), strings.Join(cleanTags(tags), ","), id)
	}
	return f
}

func annotationText(e dumps.Entry) string {
	parts := []string{e.FormatDescription, dumpformat.FormatSize(e.Size)}
	if e.Detail != "" {
		parts = append(parts, e.Detail)
	}
	if e.Uploader != "" {
		parts = append(parts, "uploaded by "+e.Uploader)
	}
	parts = append(parts, "capture time from "+e.CapturedFrom)
	return strings.Join(parts, " · ")
}

// annotationTags holds no commas: Grafana splits the field on them.
func annotationTags(e dumps.Entry) []string {
	tags := []string{e.Source, string(e.Format)}
	if e.Profile != "" && e.Profile != string(e.Format) {
		tags = append(tags, e.Profile)
	}
	return cleanTags(tags)
}

func cleanTags(tags []string) []string {
	for i, t := range tags {
		tags[i] = strings.ReplaceAll(t, ",", " ")
	}
	return tags
}

// dumpLabel names a dump in a variable's drop-down: the name alone repeats
// for every snapshot of a directory, the capture time tells them apart.
func dumpLabel(e dumps.Entry) string {
	name := e.Name
	if name == "" {
		name = e.ID
	}
	if e.SnapshotCount > 1 {
		name = fmt.Sprintf("%s [%d snapshots]", name, e.SnapshotCount)
	}
	if e.CapturedAt.IsZero() {
		return name
	}
	return fmt.Sprintf("%s (%s)", name, e.CapturedAt.UTC().Format("2006-01-02 15:04:05Z"))
}

func dumpField(name, displayName string, values any) *data.Field {
	f := data.NewField(name, nil, values)
	f.Config = &data.FieldConfig{DisplayName: displayName}
	return f
}

func dumpTime(t time.Time) *time.Time {
	if t.IsZero() {
		return nil
	}
	return &t
}
