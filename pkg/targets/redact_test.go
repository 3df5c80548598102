package targets

import (
	"bytes"
	"encoding/base64"
	"net/url"
	"strings"
	"testing"
)

func TestRedactorText(t *testing.T) {
	basic := base64.StdEncoding.EncodeToString([]byte("grafana:pa55word-x"))
	r := NewRedactor([]string{secret, "Basic " + basic, "abc", "p@ss/w0rd+key"}, []string{"X-Pprof-Key"})
	cases := []struct{ in, want string }{
		{"denied for " + secret, "denied for [redacted]"},
		{"bad " + base64.RawURLEncoding.EncodeToString([]byte(secret)), "bad [redacted]"},
		{"GET /?t=" + url.QueryEscape("p@ss/w0rd+key") + "&x", "GET /?t=[redacted]&x"},
		{"GET /" + url.PathEscape("p@ss/w0rd+key"), "GET /[redacted]"},
		{"password pa55word-x wrong", "password [redacted] wrong"},
		{"Authorization: Basic " + basic, "Authorization: [redacted]"},
		{"x-pprof-key: abc", "x-pprof-key: [redacted]"},
		{"User-Agent: Go-http-client/1.1", "User-Agent: [redacted]"},
		{"Cookie: a=b; c=d", "Cookie: [redacted]"},
		{`{"api_key": "k-123", "ok": true}`, `{"api_key": [redacted], "ok": true}`},
		{"callback?session=aa11&x=1", "callback?session=[redacted]&x=1"},
		{"the header said authorization: Bearer abcDEF123456 then", "the header said authorization: [redacted] then"},
		{"use Bearer eyJhbGciOi.x", "use Bearer [redacted]"},
		// Ordinary text stays, and short secrets are not matched by value.
		{"profiling is disabled", "profiling is disabled"},
		{"Error: unauthorized", "Error: unauthorized"},
		{"Basic authentication required", "Basic authentication required"},
		{"abc is not a secret here", "abc is not a secret here"},
		{`target "x": HTTP 403 Forbidden: go away`, `target "x": HTTP 403 Forbidden: go away`},
	}
	for _, c := range cases {
		if got := r.Text(c.in); got != c.want {
			t.Errorf("Text(%q) = %q; want %q", c.in, got, c.want)
		}
	}
}

func TestRedactorMessage(t *testing.T) {
	r := NewRedactor([]string{secret}, []string{"X-Token"})
	cases := []struct{ in, want string }{
		// The message's own framing stays, whatever the names look like.
		{`session-store: no goroutine dump found (input starts "hello")`, `session-store: no goroutine dump found (input starts "hello")`},
		{`target "api-token": HTTP 500 Internal Server Error: busy`, `target "api-token": HTTP 500 Internal Server Error: busy`},
		// What it quotes of a target is redacted like a target's text.
		{`api-1: line 1: malformed: "X-Token: abc"`, `api-1: line 1: malformed: "X-Token: [redacted]"`},
		{`api-1: input starts "{\"X-Token\":\"abc\"}"`, `api-1: input starts "{\"X-Token\":[redacted]}"`},
		{`api-1: an HTML page titled "Hi Bearer eyJhbGciOi.x"`, `api-1: an HTML page titled "Hi Bearer [redacted]"`},
		// Secret values go anywhere.
		{"api-1: " + secret, "api-1: [redacted]"},
	}
	for _, c := range cases {
		if got := r.Message(c.in); got != c.want {
			t.Errorf("Message(%q) = %q; want %q", c.in, got, c.want)
		}
	}
}

func TestRedactorBody(t *testing.T) {
	r := NewRedactor([]string{secret}, nil)
	clean := []byte("goroutine 1 [running]:\nmain.main()\n")
	if got := r.Body(clean); &got[0] != &clean[0] {
		t.Error("a body without secrets must be returned as is, without a copy")
	}
	dirty := []byte("main.f(\"" + secret + "\")\n" + base64.StdEncoding.EncodeToString([]byte(secret)))
	if got := string(r.Body(dirty)); got != "main.f(\"[redacted]\")\n[redacted]" {
		t.Errorf("Body = %q", got)
	}
}

func TestRelayDoesNotShowPartOfASecretAtTheCut(t *testing.T) {
	long := strings.Repeat("s3cr3t-Tok3n-value-that-is-long-", 4)
	r := NewRedactor([]string{long}, nil)
	// Whole secrets shrink once redacted, so the window redacted is longer
	// than what is shown, and its end falls inside one more secret.
	text := strings.Repeat(long, 20)
	got := r.Relay(text)
	if got != strings.Repeat(Redacted, 7) {
		t.Errorf("Relay = %q; want 7 redactions and no part of the eighth secret", got)
	}
}

func TestClip(t *testing.T) {
	if got := Clip("ééé", 2); got != "éé…" {
		t.Errorf("Clip = %q", got)
	}
	if got := Clip("ab", 2); got != "ab" {
		t.Errorf("Clip = %q", got)
	}
}

// BenchmarkRedactorBody measures the check of a 64 MiB goroutine dump for
// the secret values of four credentials; its peer is copying the body once,
// the least a fetch does with it. The ratio is why only cheap pages are
// scrubbed whole.
func BenchmarkRedactorBody(b *testing.B) {
	record := "goroutine 7 [chan receive, 3 minutes]:\nmain.worker(0xc000012345)\n\t/src/app/worker.go:42 +0x1d\ncreated by main.main in goroutine 1\n\t/src/app/main.go:17 +0x66\n\n"
	body := []byte(strings.Repeat(record, (64<<20)/len(record)))
	r := NewRedactor([]string{secret, "Bearer eyJhbGciOiJIUzI1NiJ9.payload.sig", "Basic Z3JhZmFuYTpwYTU1d29yZA==", "p@ss/w0rd+key"}, nil)
	b.Run("redact", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			r.Body(body)
		}
	})
	b.Run("peer=copy", func(b *testing.B) {
		b.SetBytes(int64(len(body)))
		for b.Loop() {
			_ = bytes.Clone(body)
		}
	})
}
