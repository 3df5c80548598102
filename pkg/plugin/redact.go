package plugin

import (
	"errors"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// redacted withholds the instance's credentials from a response's error
// and notices, the text of a response that may quote what a target sent
// (an error body, a page title, a parse error's excerpt).
func (d *Datasource) redacted(r backend.DataResponse) backend.DataResponse {
	if d.targets == nil {
		return r
	}
	if r.Error != nil {
		if text := d.targets.Redact(r.Error.Error()); text != r.Error.Error() {
			r.Error = errors.New(text)
		}
	}
	for _, f := range r.Frames {
		if f.Meta == nil {
			continue
		}
		for i := range f.Meta.Notices {
			f.Meta.Notices[i].Text = d.targets.Redact(f.Meta.Notices[i].Text)
		}
	}
	return r
}
