package targets

import (
	"bytes"
	"cmp"
	"encoding/base64"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Redacted replaces whatever is withheld from text a target sent.
const Redacted = "[redacted]"

// MaxRelayedRunes caps any piece of a target's own text (an error body's
// first line, a page title) relayed in a message.
const MaxRelayedRunes = 200

// minSecretLen is the shortest secret matched by value: shorter ones would
// turn ordinary words into "[redacted]" and, in a binary body, match by
// chance (a 6-byte value about once in 2^48 positions).
const minSecretLen = 6

// Redactor withholds an instance's credentials from text a target sent
// before it reaches a person: a target that echoes request headers must not
// become a way to read them. It removes every configured secret value (also
// base64- and URL-encoded), the value of header-shaped lines ("X-Token: …")
// and of credential-named fields ("token=…", "Authorization": "…"), and
// Bearer / Basic credentials.
type Redactor struct {
	// forms are the secret values and their encodings, longest first.
	forms    [][]byte
	replacer *strings.Replacer
	longest  int
	// headerNames are the configured header names, lower-cased.
	headerNames []string
	credential  *regexp.Regexp
}

// NewRedactor returns a redactor for the given secret values and the names
// of the headers that carry them.
func NewRedactor(secrets, headerNames []string) *Redactor {
	r := &Redactor{}
	for _, f := range secretForms(secrets) {
		r.forms = append(r.forms, []byte(f))
		r.longest = max(r.longest, len(f))
	}
	pairs := make([]string, 0, 2*len(r.forms))
	for _, f := range r.forms {
		pairs = append(pairs, string(f), Redacted)
	}
	r.replacer = strings.NewReplacer(pairs...)
	names := []string{`proxy-authorization`, `authorization`, `set-cookie`, `cookie`,
		`[\w-]*(?:token|secret|passw|api[-_]?key|session|credential)[\w-]*`}
	for _, n := range headerNames {
		if n = strings.TrimSpace(n); n != "" {
			r.headerNames = append(r.headerNames, strings.ToLower(n))
			names = append([]string{regexp.QuoteMeta(n)}, names...)
		}
	}
	// A credential-named field anywhere in a line: its quoted value, or the
	// unquoted one up to a separator (with a following token, as in
	// "Authorization: Bearer abc…").
	r.credential = regexp.MustCompile(`(?i)\b(` + strings.Join(names, "|") + `)("?[ \t]*[:=][ \t]*)("[^"\n]*"|[^\s"',;&}]+(?:[ \t]+[A-Za-z0-9._~+/=-]{8,})?)`)
	return r
}

// secretForms derives the strings a secret may appear as: itself, the
// credential of a "Scheme credential" value, the user:password and password
// inside a Basic credential, and each of these base64- and URL-encoded.
func secretForms(secrets []string) []string {
	var plain []string
	for _, s := range secrets {
		s = strings.TrimSpace(s)
		plain = append(plain, s)
		scheme, cred, ok := strings.Cut(s, " ")
		if !ok {
			continue
		}
		plain = append(plain, cred)
		if strings.EqualFold(scheme, "basic") {
			if dec, err := base64.StdEncoding.DecodeString(cred); err == nil {
				_, password, _ := strings.Cut(string(dec), ":")
				plain = append(plain, string(dec), password)
			}
		}
	}
	var forms []string
	for _, p := range plain {
		if len(p) < minSecretLen {
			continue
		}
		b := []byte(p)
		forms = append(forms, p, url.QueryEscape(p), url.PathEscape(p),
			base64.StdEncoding.EncodeToString(b), base64.RawStdEncoding.EncodeToString(b),
			base64.URLEncoding.EncodeToString(b), base64.RawURLEncoding.EncodeToString(b))
	}
	// Longest first, so a value is replaced whole rather than a part of it.
	slices.SortFunc(forms, func(a, b string) int { return cmp.Or(len(b)-len(a), strings.Compare(a, b)) })
	return slices.Compact(forms)
}

// Body removes the secret values from a whole response body, so nothing
// read from it later can carry one. It returns b itself when no secret
// occurs, the common case.
func (r *Redactor) Body(b []byte) []byte {
	out := b
	for _, f := range r.forms {
		if bytes.Contains(out, f) {
			out = bytes.ReplaceAll(out, f, []byte(Redacted))
		}
	}
	return out
}

// Text withholds every kind of credential from a target's text.
func (r *Redactor) Text(s string) string {
	s = r.replacer.Replace(s)
	s = replaceGroup(r.credential, s, 3)
	s = r.headerLines(s)
	return replaceSchemeCredentials(s)
}

// quoted is a double-quoted string as %q writes it.
var quoted = regexp.MustCompile(`"(?:[^"\\]|\\.)*"`)

// Message withholds credentials from a message built around a target's
// text: secret values and scheme credentials anywhere, and everything Text
// withholds within its quotes, where messages put what they cite of their
// input. The rest is the message's own framing ("api-1: …", "target
// \"session-store\": …"), which must not be read as a header line.
func (r *Redactor) Message(s string) string {
	s = replaceSchemeCredentials(r.replacer.Replace(s))
	return quoted.ReplaceAllStringFunc(s, func(q string) string {
		text, err := strconv.Unquote(q)
		if err != nil {
			return `"` + r.Text(q[1:len(q)-1]) + `"`
		}
		if redacted := r.Text(text); redacted != text {
			return strconv.Quote(redacted)
		}
		return q
	})
}

// Relay is the first line of a target's text as it may be quoted in a
// message: redacted, then cut to MaxRelayedRunes.
func (r *Redactor) Relay(s string) string {
	// Redact more than can be shown, since redaction shortens the text,
	// and drop the beginning of a secret that the cut may have split.
	window := 4*MaxRelayedRunes + r.longest
	cut := len(s) > window
	if cut {
		s = s[:window]
	}
	s = r.replacer.Replace(s)
	if cut {
		s = r.trimSecretPrefix(s)
	}
	line, _, _ := strings.Cut(strings.TrimSpace(s), "\n")
	return Clip(r.Text(strings.TrimSpace(line)), MaxRelayedRunes)
}

// trimSecretPrefix drops the end of a redacted text when it is the
// beginning of a secret. Only the text after the last redaction is
// considered: a split secret follows the whole ones replaced before it.
func (r *Redactor) trimSecretPrefix(s string) string {
	tail := s
	if i := strings.LastIndex(s, Redacted); i >= 0 {
		tail = s[i+len(Redacted):]
	}
	cut := 0
	for _, f := range r.forms {
		for k := min(len(f)-1, len(tail)); k > cut; k-- {
			if strings.HasSuffix(tail, string(f[:k])) {
				cut = k
				break
			}
		}
	}
	return s[:len(s)-cut]
}

// Clip cuts s to at most n runes, marking the cut.
func Clip(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for range n {
		_, size := utf8.DecodeRuneInString(s[i:])
		i += size
	}
	return s[:i] + "…"
}

// headerLine is a line shaped like an HTTP header field, "Name: value".
var headerLine = regexp.MustCompile(`(?m)^([ \t]*"?([A-Za-z0-9!#$%&'*+.^_|~-]+)"?[ \t]*:[ \t]*)(.*?)[ \t]*\r?$`)

// requestHeaders are single-word names of header fields a client sends,
// whose lines an echoing target would print.
var requestHeaders = []string{"authorization", "cookie", "host", "forwarded", "via", "from", "referer", "origin", "auth", "token", "password", "secret", "session"}

// headerLines withholds the value of lines that look like an echoed request
// header: a configured or credential name, any hyphenated name
// (X-Api-Key, User-Agent), or a well-known single-word request header.
// "Error: …" and similar single words keep their text.
func (r *Redactor) headerLines(s string) string {
	return replaceGroupIf(headerLine, s, 3, func(m []string) bool {
		name := strings.ToLower(m[2])
		return strings.Contains(name, "-") || slices.Contains(requestHeaders, name) || slices.Contains(r.headerNames, name)
	})
}

// schemeCredential is an HTTP authorization credential, "Bearer abc…".
var schemeCredential = regexp.MustCompile(`(?i)\b(?:Bearer|Basic|Digest)[ \t]+([A-Za-z0-9._~+/-]{8,}=*)`)

// replaceSchemeCredentials withholds credentials after an authorization
// scheme; an ordinary word ("Basic authentication required") stays.
func replaceSchemeCredentials(s string) string {
	return replaceGroupIf(schemeCredential, s, 1, func(m []string) bool { return looksLikeToken(m[1]) })
}

// looksLikeToken tells a credential from a word: it has a digit or a
// symbol, or mixes upper and lower case.
func looksLikeToken(s string) bool {
	var upper, lower bool
	for _, c := range s {
		switch {
		case c >= 'a' && c <= 'z':
			lower = true
		case c >= 'A' && c <= 'Z':
			upper = true
		default:
			return true
		}
	}
	return upper && lower && strings.ToLower(s[1:]) != s[1:]
}

func replaceGroup(re *regexp.Regexp, s string, group int) string {
	return replaceGroupIf(re, s, group, func([]string) bool { return true })
}

// replaceGroupIf replaces one submatch of every match that keep accepts
// with Redacted.
func replaceGroupIf(re *regexp.Regexp, s string, group int, redact func(m []string) bool) string {
	matches := re.FindAllStringSubmatchIndex(s, -1)
	if matches == nil {
		return s
	}
	var b strings.Builder
	last := 0
	for _, loc := range matches {
		start, end := loc[2*group], loc[2*group+1]
		if start < 0 || start == end {
			continue
		}
		m := make([]string, len(loc)/2)
		for i := range m {
			if loc[2*i] >= 0 {
				m[i] = s[loc[2*i]:loc[2*i+1]]
			}
		}
		if m[group] == Redacted || !redact(m) {
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(Redacted)
		last = end
	}
	b.WriteString(s[last:])
	return b.String()
}
