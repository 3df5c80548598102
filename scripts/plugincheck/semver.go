package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
)

// semverPattern is a full Semantic Versioning 2.0.0 version.
var semverPattern = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(-(0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*)(\.(0|[1-9]\d*|\d*[A-Za-z-][0-9A-Za-z-]*))*)?` +
	`(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

// checkVersion checks that the build stamped plugin.json: the create-plugin
// webpack configuration replaces %VERSION% and %TODAY% with the package.json
// version and the build date, and grafana.com needs a semantic version.
func checkVersion(c *pluginContext, r *reporter) string {
	info := c.main().Info
	switch {
	case strings.Contains(info.Version, "%VERSION%"):
		r.errorf("info.version is still the %%VERSION%% placeholder; the frontend build did not stamp plugin.json")
	case !semverPattern.MatchString(info.Version):
		r.errorf("info.version %q is not a semantic version (MAJOR.MINOR.PATCH)", info.Version)
	}
	if info.Updated == "%TODAY%" {
		r.errorf("info.updated is still the %%TODAY%% placeholder; the frontend build did not stamp plugin.json")
	}
	if c.sourceDir == "" {
		return fmt.Sprintf("version %s, updated %s", info.Version, info.Updated)
	}
	sourceVersion, err := packageJSONVersion(c.sourceDir)
	if err != nil {
		r.errorf("cannot read the version from the source's package.json: %v", err)
	} else if sourceVersion != info.Version {
		r.errorf("info.version %s differs from version %s in the source's package.json; the archive was built from other sources", info.Version, sourceVersion)
	}
	return fmt.Sprintf("version %s (as in package.json), updated %s", info.Version, info.Updated)
}

func packageJSONVersion(sourceDir string) (string, error) {
	content, err := os.ReadFile(filepath.Join(sourceDir, "package.json"))
	if err != nil {
		return "", err
	}
	var pkg struct {
		Version string `json:"version"`
	}
	if err := json.Unmarshal(content, &pkg); err != nil {
		return "", err
	}
	return pkg.Version, nil
}

// checkGrafanaDependency checks the Grafana version range the plugin needs,
// which Grafana compares with its own version before loading the plugin.
func checkGrafanaDependency(c *pluginContext, r *reporter) string {
	meta := c.main()
	dependency := meta.Dependencies.GrafanaDependency
	if strings.TrimSpace(dependency) == "" {
		r.errorf("dependencies.grafanaDependency is missing; it states which Grafana versions the plugin works with")
		return ""
	}
	if err := parseVersionRange(dependency); err != nil {
		r.errorf("dependencies.grafanaDependency %q is not a semver range: %v", dependency, err)
		return ""
	}
	// Grafana Cloud runs pre-releases of the next Grafana version, which a
	// range without a pre-release part does not admit; only Grafana Labs'
	// own plugins need to load there ahead of a release.
	org, _, _ := strings.Cut(meta.ID, "-")
	if (strings.EqualFold(meta.Info.Author.Name, "Grafana Labs") || org == "grafana") && !preReleasePart.MatchString(dependency) {
		r.warnf("dependencies.grafanaDependency %q has no pre-release part; Grafana Cloud's pre-release builds will not load the plugin (use %q)", dependency, dependency+"-0")
	}
	return fmt.Sprintf("Grafana %s", dependency)
}

var (
	preReleasePart = regexp.MustCompile(`\d-[0-9A-Za-z]`)
	rangeOperator  = regexp.MustCompile(`(<=|>=|<|>|=|~>|~|\^)\s+`)
	hyphenRange    = regexp.MustCompile(`^(\S+)\s+-\s+(\S+)$`)
	// partialVersion is a version whose parts may be missing or x, X or *,
	// with an optional pre-release and build on a full version.
	partialVersion = regexp.MustCompile(`^v?(x|X|\*|0|[1-9]\d*)(\.(x|X|\*|0|[1-9]\d*)(\.(x|X|\*|0|[1-9]\d*)` +
		`(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?)?)?$`)
)

// parseVersionRange checks a range in the grammar of npm's node-semver, which
// Grafana's schema names for grafanaDependency: sets joined by "||", each a
// hyphen range "a - b" or space-separated comparators such as ">=10.4.0",
// "~9.5", "^10" or "10.x".
func parseVersionRange(text string) error {
	for _, set := range strings.Split(text, "||") {
		set = strings.TrimSpace(set)
		if set == "" {
			return fmt.Errorf("empty alternative around ||")
		}
		if m := hyphenRange.FindStringSubmatch(set); m != nil {
			for _, bound := range m[1:] {
				if !partialVersion.MatchString(bound) {
					return fmt.Errorf("%q is not a version", bound)
				}
			}
			continue
		}
		for _, comparator := range strings.Fields(rangeOperator.ReplaceAllString(set, "$1")) {
			version := strings.TrimLeft(comparator, "<>=~^")
			if !partialVersion.MatchString(version) {
				return fmt.Errorf("%q is not an operator followed by a version", comparator)
			}
			if operator := strings.TrimSuffix(comparator, version); !isRangeOperator(operator) {
				return fmt.Errorf("%q is not a comparison operator", operator)
			}
		}
	}
	return nil
}

func isRangeOperator(operator string) bool {
	switch operator {
	case "", "<", "<=", ">", ">=", "=", "~", "~>", "^":
		return true
	}
	return false
}
