package dumpsapi

import (
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
)

// WriteAccess decides whether the user of a request may change the store
// (upload, correct a capture time, delete).
type WriteAccess func(user *backend.User) bool

// EditorsMayWrite is the default rule. Reading is open to whoever can call
// the data source's resources, which Grafana grants to anyone allowed to
// query it; changing the store takes the Editor or Admin organisation role,
// as editing a dashboard does. A request without a Grafana user (not coming
// through Grafana) may not write.
func EditorsMayWrite(user *backend.User) bool {
	return user != nil && (user.Role == "Editor" || user.Role == "Admin")
}

// requestUser returns the Grafana user that the SDK's httpadapter put in the
// request's context, or nil.
func requestUser(r *http.Request) *backend.User {
	if u := backend.UserFromContext(r.Context()); u != nil {
		return u
	}
	return backend.PluginConfigFromContext(r.Context()).User
}

// uploaderName is how a user is recorded as an uploader.
func uploaderName(u *backend.User) string {
	switch {
	case u == nil:
		return ""
	case u.Login != "":
		return u.Login
	case u.Email != "":
		return u.Email
	}
	return u.Name
}
