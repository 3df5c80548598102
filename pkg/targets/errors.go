package targets

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strconv"
	"syscall"
	"time"
)

// Kind says what went wrong with a fetch, in terms a person can act on.
type Kind string

const (
	KindRefused       Kind = "connection refused"
	KindTimeout       Kind = "timeout"
	KindDNS           Kind = "host not found"
	KindUnreachable   Kind = "network unreachable"
	KindTLS           Kind = "TLS error"
	KindHTTPStatus    Kind = "HTTP error"
	KindTooLarge      Kind = "response too large"
	KindNotIndex      Kind = "not a pprof index"
	KindCanceled      Kind = "canceled"
	KindRequest       Kind = "bad request"
	KindNotConfigured Kind = "not configured"
	KindNetwork       Kind = "network error"
	KindRedirect      Kind = "redirect refused"
)

// FetchError is a failed fetch of one target's endpoint.
type FetchError struct {
	Target   string
	Endpoint string
	// URL is the full address; it is only shown to admins (health checks),
	// since queries and their errors are seen by viewers.
	URL string
	// Location is where a refused redirect pointed, redacted and without
	// query or user info; everyone is told, so that the fix is obvious.
	Location string
	Kind     Kind
	Err      error
	// Remembered is set when the error is a failure of an expensive
	// endpoint given again within the minimum interval, without a fetch.
	Remembered *Remembered
}

// Remembered says when a remembered failure happened and when the next
// attempt may be made.
type Remembered struct {
	Ago         time.Duration
	MinInterval time.Duration
}

func (e *FetchError) Error() string {
	return fmt.Sprintf("target %q: %s%s", e.Target, e.describe(), e.remembered())
}

// AdminError is Error with the URL, for the health check.
func (e *FetchError) AdminError() string {
	if e.URL == "" {
		return e.Error()
	}
	return fmt.Sprintf("target %q: %s (GET %s)%s", e.Target, e.describe(), e.URL, e.remembered())
}

func (e *FetchError) remembered() string {
	if e.Remembered == nil {
		return ""
	}
	ago := "less than 1 s ago"
	if s := e.Remembered.Ago.Round(time.Second); s >= time.Second {
		ago = fmt.Sprintf("%d s ago", s/time.Second)
	}
	return fmt.Sprintf(" (last tried %s; next attempt after the %s minimum interval)", ago, seconds(e.Remembered.MinInterval))
}

func seconds(d time.Duration) string {
	return strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + " s"
}

func (e *FetchError) describe() string {
	switch e.Kind {
	case KindRefused:
		return "connection refused: nothing listens at that address, or a firewall rejects it"
	case KindTimeout:
		return "timed out: the target did not answer in time (check the address, or raise the timeout)"
	case KindDNS:
		return "host not found: " + rootMessage(e.Err)
	case KindRedirect:
		if e.Location == "" {
			return e.Err.Error()
		}
		return fmt.Sprintf("%v (it points to %s)", e.Err, e.Location)
	case KindHTTPStatus, KindTooLarge, KindNotIndex, KindNotConfigured:
		return e.Err.Error()
	default:
		return fmt.Sprintf("%s: %s", e.Kind, rootMessage(e.Err))
	}
}

func (e *FetchError) Unwrap() error { return e.Err }

func classify(err error) Kind {
	var dnsErr *net.DNSError
	var certErr *tls.CertificateVerificationError
	var unknownAuth x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	var recordErr tls.RecordHeaderError
	var netErr net.Error
	var redirectErr *RedirectError
	switch {
	case errors.As(err, &redirectErr):
		return KindRedirect
	case errors.Is(err, syscall.ECONNREFUSED):
		return KindRefused
	case errors.Is(err, context.DeadlineExceeded):
		return KindTimeout
	case errors.As(err, &netErr) && netErr.Timeout():
		return KindTimeout
	case errors.As(err, &dnsErr):
		return KindDNS
	case errors.Is(err, syscall.ENETUNREACH), errors.Is(err, syscall.EHOSTUNREACH):
		return KindUnreachable
	case errors.As(err, &certErr), errors.As(err, &unknownAuth), errors.As(err, &hostErr), errors.As(err, &recordErr):
		return KindTLS
	case errors.Is(err, context.Canceled):
		return KindCanceled
	}
	return KindNetwork
}

// rootMessage drops the url.Error wrapper, which repeats the URL.
func rootMessage(err error) string {
	var ue *url.Error
	if errors.As(err, &ue) {
		return ue.Err.Error()
	}
	return err.Error()
}
