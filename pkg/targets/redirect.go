package targets

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
)

// maxRedirects bounds the redirects followed within one origin, such as
// /debug/pprof → /debug/pprof/.
const maxRedirects = 5

// RedirectError is a redirect the client refused to follow.
type RedirectError struct {
	// Status is the redirecting response's status, such as "302 Found".
	Status string
	// Location is where it pointed.
	Location *url.URL
	// CrossOrigin is true for a redirect that leaves the configured
	// scheme, host and port; otherwise there were too many redirects.
	CrossOrigin bool
}

func (e *RedirectError) Error() string {
	if e.CrossOrigin {
		return fmt.Sprintf("HTTP %s redirects to another origin, which is not followed so that no credential is sent there (set the target's URL to the final address)", e.Status)
	}
	return fmt.Sprintf("HTTP %s: more than %d redirects", e.Status, maxRedirects)
}

// checkRedirect is the client's redirect policy. Credentials (the auth
// header, and whatever Grafana's HTTP settings add to every request) go to
// the configured origin only, so a redirect that leaves it is refused
// rather than followed with or without them: a page fetched anonymously
// from elsewhere is not the target's either. Every hop is compared with the
// first request, which is the configured pprof or metrics URL.
func checkRedirect(req *http.Request, via []*http.Request) error {
	status := ""
	if req.Response != nil {
		status = req.Response.Status
	}
	if origin(req.URL) != origin(via[0].URL) {
		return &RedirectError{Status: status, Location: req.URL, CrossOrigin: true}
	}
	if len(via) > maxRedirects {
		return &RedirectError{Status: status, Location: req.URL}
	}
	return nil
}

// origin is a URL's scheme, host and port, with the scheme's default port
// filled in, as browsers compare them.
func origin(u *url.URL) string {
	scheme := strings.ToLower(u.Scheme)
	port := u.Port()
	if port == "" {
		switch scheme {
		case "http":
			port = "80"
		case "https":
			port = "443"
		}
	}
	return scheme + "://" + strings.ToLower(u.Hostname()) + ":" + port
}

// displayLocation is a redirect location as an admin may see it: without
// user info, query or fragment, which may carry credentials.
func displayLocation(u *url.URL) string {
	shown := url.URL{Scheme: u.Scheme, Host: u.Host, Path: u.Path}
	return shown.String()
}
