package settings

import (
	"fmt"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/goscope/pprof/pkg/dumpformat"
)

var (
	targetNamePattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._:-]*$`)
	labelNamePattern  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	headerNamePattern = regexp.MustCompile("^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")
)

// Label names the plugin sets itself on every frame.
var reservedLabels = map[string]bool{"target": true, "dump": true, "category": true, "state": true}

func checkLimits(j JSONData) []error {
	var errs []error
	check := rangeCheck(&errs, "")
	check("timeout (seconds)", j.TimeoutSeconds, 1, 600)
	check("maximum response size (MiB)", j.MaxResponseMiB, 1, 1024)
	check("maximum goroutines for a full dump", j.MaxFullDumpGoroutines, 1, 10_000_000)
	check("minimum interval between fetches (seconds)", j.MinIntervalSeconds, 1, 3600)
	check("maximum CPU profile duration (seconds)", j.MaxProfileSeconds, 1, 600)
	check("maximum execution trace duration (seconds)", j.MaxTraceSeconds, 1, 60)
	check("maximum flame graph nodes", j.MaxProfileNodes, 100, 1_000_000)
	check("recording interval (seconds)", j.RecordIntervalSeconds, 5, 3600)
	check("recording retention (hours)", j.RecordRetentionHours, 1, 24*31)
	check("maximum upload size (MiB)", j.MaxUploadMiB, 1, 4096)
	check("maximum core dump size (MiB)", j.MaxCoreUploadMiB, 1, 1<<20)
	check("dump store quota (MiB)", j.DumpQuotaMiB, 1, 1<<20)
	check("parse cache (MiB)", j.ParseCacheMiB, 1, 64<<10)
	check("maximum decompressed size (MiB)", j.MaxDecompressedMiB, 1, 4096)
	check("maximum profile samples", j.MaxProfileSamples, 1000, 100_000_000)
	check("maximum profile locations", j.MaxProfileLocations, 1000, 100_000_000)
	check("maximum stack frames", j.MaxStackFrames, dumpformat.MaxStackDepth, 1_000_000_000)
	if j.DumpStoreDir != "" && !filepath.IsAbs(j.DumpStoreDir) {
		errs = append(errs, fmt.Errorf("dump store directory %q must be an absolute path", j.DumpStoreDir))
	}
	if j.AuthHeaderName != "" && !headerNamePattern.MatchString(j.AuthHeaderName) {
		errs = append(errs, fmt.Errorf("auth header name %q is not a valid HTTP header name", j.AuthHeaderName))
	}
	return errs
}

// rangeCheck returns a check of a number setting, left unset (0) or
// within lo..hi, that adds its error to errs.
func rangeCheck(errs *[]error, prefix string) func(name string, v, lo, hi int) {
	return func(name string, v, lo, hi int) {
		if v != 0 && (v < lo || v > hi) {
			*errs = append(*errs, fmt.Errorf("%s%s must be between %d and %d, not %d", prefix, name, lo, hi, v))
		}
	}
}

func validateTarget(i int, tj TargetJSON) (Target, []error) {
	var errs []error
	label := fmt.Sprintf("target %d", i+1)
	if tj.Name != "" {
		label = fmt.Sprintf("target %q", tj.Name)
	}
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf(label+": "+format, args...))
	}
	switch {
	case tj.Name == "":
		bad("a name is required")
	case !targetNamePattern.MatchString(tj.Name):
		bad("the name may only hold letters, digits and . _ : - (and must start with a letter or digit)")
	}
	base, err := checkURL(tj.URL)
	if err != nil {
		bad("pprof URL: %v", err)
	}
	if tj.MetricsURL != "" {
		if _, err := checkURL(tj.MetricsURL); err != nil {
			bad("metrics URL: %v", err)
		}
	}
	for k := range tj.Labels {
		if !labelNamePattern.MatchString(k) {
			bad("label name %q must match [A-Za-z_][A-Za-z0-9_]*", k)
		}
		if reservedLabels[k] {
			bad("label name %q is set by the plugin itself; choose another", k)
		}
	}
	if tj.AuthHeaderName != "" && !headerNamePattern.MatchString(tj.AuthHeaderName) {
		bad("auth header name %q is not a valid HTTP header name", tj.AuthHeaderName)
	}
	return Target{Name: tj.Name, URL: base, MetricsURL: tj.MetricsURL, Labels: tj.Labels}, errs
}

// checkURL accepts absolute http(s) URLs and returns the URL without a
// trailing slash, so endpoint paths can be appended uniformly.
func checkURL(raw string) (string, error) {
	if strings.TrimSpace(raw) == "" {
		return "", fmt.Errorf("a URL is required, e.g. http://host:6060/debug/pprof")
	}
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return "", fmt.Errorf("%q is not a URL: %v", raw, err)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return "", fmt.Errorf("%q must start with http:// or https://", raw)
	}
	if u.Host == "" {
		return "", fmt.Errorf("%q has no host", raw)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return "", fmt.Errorf("%q must not carry a query or fragment", raw)
	}
	if u.User != nil {
		return "", fmt.Errorf("%q must not carry credentials; use the auth header setting", raw)
	}
	return strings.TrimRight(u.String(), "/"), nil
}

var dumpDirNamePattern = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

func checkDumpDirectories(j JSONData) []error {
	var errs []error
	seen := map[string]bool{}
	for i, d := range j.DumpDirectories {
		label := fmt.Sprintf("dump directory %d", i+1)
		if d.Name != "" {
			label = fmt.Sprintf("dump directory %q", d.Name)
		}
		switch {
		case d.Name == "":
			errs = append(errs, fmt.Errorf("%s: a name is required", label))
		case !dumpDirNamePattern.MatchString(d.Name):
			errs = append(errs, fmt.Errorf("%s: the name may only hold letters, digits and . _ -", label))
		case seen[d.Name]:
			errs = append(errs, fmt.Errorf("%s: the name is used twice; names must be unique", label))
		}
		seen[d.Name] = true
		if !filepath.IsAbs(d.Path) {
			errs = append(errs, fmt.Errorf("%s: path %q must be an absolute path on the Grafana server", label, d.Path))
		}
		if d.Executable != "" && !filepath.IsAbs(d.Executable) {
			errs = append(errs, fmt.Errorf("%s: executable %q must be an absolute path on the Grafana server", label, d.Executable))
		}
		if d.Glob != "" {
			if _, err := filepath.Match(d.Glob, ""); err != nil {
				errs = append(errs, fmt.Errorf("%s: glob %q is not valid: %v", label, d.Glob, err))
			}
		}
	}
	return errs
}
