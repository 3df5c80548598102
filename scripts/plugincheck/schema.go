package main

import (
	"fmt"
	"net/url"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// The rules below restate Grafana's plugin.json schema
// (docs/sources/developers/plugins/plugin.schema.json in grafana/grafana),
// which the validator applies with a JSON Schema library.
var (
	pluginIDPattern           = regexp.MustCompile(`^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource|secretsmanager|transformer)$`)
	dependencyIDPattern       = regexp.MustCompile(`^[0-9a-z]+-([0-9a-z]+-)?(app|panel|datasource|secretsmanager)$`)
	versionPattern            = regexp.MustCompile(`^((0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)|%VERSION%)`)
	updatedPattern            = regexp.MustCompile(`^(\d{4}-\d{2}-\d{2}|%TODAY%)$`)
	grafanaVersionPattern     = regexp.MustCompile(`^([0-9]+)(\.[0-9x]+)?(\.[0-9x])?$`)
	pascalNamePattern         = regexp.MustCompile(`^([A-Z][a-zA-Z]{1,62})$`)
	apiVersionPattern         = regexp.MustCompile(`^v(\d+)(?:(alpha|beta)(\d+))?$`)
	pluginTypes               = []string{"app", "datasource", "panel", "renderer", "secretsmanager", "transformer"}
	dependencyPluginTypes     = []string{"app", "datasource", "panel", "secretsmanager"}
	pluginCategories          = []string{"tsdb", "logging", "cloud", "tracing", "profiling", "sql", "enterprise", "iot", "other"}
	pluginStates              = []string{"alpha", "beta"}
	includeTypes              = []string{"dashboard", "page", "panel", "datasource", "secretsmanager"}
	includeRoles              = []string{"Admin", "Editor", "Viewer"}
	topLevelBooleanProperties = []string{
		"alerting", "annotations", "autoEnabled", "backend", "builtIn", "hideFromList", "logs", "metrics",
		"multiValueFilterOperators", "preload", "skipDataQuery", "streaming", "tracing",
	}
	// The schema grows at the top level and under dependencies with each
	// Grafana release, so a property unknown here is only a warning there.
	knownTopLevelProperties = append([]string{
		"$schema", "id", "type", "name", "info", "dependencies", "apiVersion", "buildMode", "category",
		"enterpriseFeatures", "executable", "extensions", "iam", "includes", "pascalName", "queryOptions",
		"roles", "routes", "state",
	}, topLevelBooleanProperties...)
	knownDependencyProperties = []string{"grafanaDependency", "grafanaVersion", "plugins", "extensions"}
)

// checkMetadataSchema checks every plugin.json against the rules of
// Grafana's plugin.json schema that a data source, panel or app can break.
func checkMetadataSchema(c *pluginContext, r *reporter) string {
	for _, p := range c.metadataPaths() {
		s := &schemaCheck{r: r, file: p}
		s.plugin(c.rawMetadata[p])
	}
	return "plugin.json has the required fields with the types and formats of Grafana's plugin.json schema"
}

type schemaCheck struct {
	r    *reporter
	file string
}

func (s *schemaCheck) fail(field, format string, args ...any) {
	s.r.errorf("%s: %s: %s", s.file, field, fmt.Sprintf(format, args...))
}

func (s *schemaCheck) plugin(doc map[string]any) {
	s.required("", doc, "type", "name", "id", "info", "dependencies")
	for _, key := range unknownKeys(doc, knownTopLevelProperties) {
		s.r.warnf("%s: %s: not a property Grafana's plugin.json schema is known to allow", s.file, key)
	}
	s.matching("id", doc, pluginIDPattern, "the id must be <org>-<name>-<type> in lower-case letters and digits")
	s.oneOf("type", doc, pluginTypes)
	s.str("name", doc)
	s.str("$schema", doc)
	s.str("executable", doc)
	s.str("buildMode", doc)
	s.oneOf("category", doc, pluginCategories)
	s.oneOf("state", doc, pluginStates)
	s.matching("pascalName", doc, pascalNamePattern, "it must be PascalCase letters")
	s.matching("apiVersion", doc, apiVersionPattern, "it must look like v1, v0alpha1 or v2beta3")
	for _, key := range topLevelBooleanProperties {
		s.boolean(key, doc)
	}
	if options, ok := s.object("queryOptions", doc); ok {
		s.closed("queryOptions", options, "maxDataPoints", "minInterval", "cacheTimeout")
		for _, key := range []string{"maxDataPoints", "minInterval", "cacheTimeout"} {
			s.boolean("queryOptions."+key, options)
		}
	}
	s.object("enterpriseFeatures", doc)
	s.object("iam", doc)
	s.array("routes", doc)
	s.array("roles", doc)
	s.includes(doc)
	s.info(doc)
	s.dependencies(doc)
}

func (s *schemaCheck) info(doc map[string]any) {
	info, ok := s.object("info", doc)
	if !ok {
		return
	}
	s.required("info.", info, "logos", "version", "updated", "keywords")
	s.closed("info", info, "author", "build", "description", "keywords", "links", "logos", "screenshots", "updated", "version")
	s.str("info.description", info)
	s.matching("info.version", info, versionPattern, "it must start with MAJOR.MINOR.PATCH")
	s.matching("info.updated", info, updatedPattern, "it must be a YYYY-MM-DD date")
	if author, ok := s.object("info.author", info); ok {
		s.closed("info.author", author, "name", "email", "url")
		s.str("info.author.name", author)
		if email, ok := s.str("info.author.email", author); ok && !strings.Contains(email, "@") {
			s.fail("info.author.email", "%q is not an email address", email)
		}
		s.uri("info.author.url", author)
	}
	if build, ok := s.object("info.build", info); ok {
		s.closed("info.build", build, "time", "repo", "branch", "hash", "number", "pr", "build")
	}
	if keywords, ok := s.array("info.keywords", info); ok {
		if len(keywords) == 0 {
			s.fail("info.keywords", "needs at least one keyword")
		}
		s.strings("info.keywords", keywords)
	}
	if logos, ok := s.object("info.logos", info); ok {
		s.required("info.logos.", logos, "small", "large")
		s.closed("info.logos", logos, "small", "large")
		s.str("info.logos.small", logos)
		s.str("info.logos.large", logos)
	}
	s.namedItems("info.links", info, "url")
	s.namedItems("info.screenshots", info, "path")
}

// namedItems checks an array of {name, <other>} objects: links and
// screenshots.
func (s *schemaCheck) namedItems(field string, doc map[string]any, other string) {
	items, ok := s.array(field, doc)
	if !ok {
		return
	}
	for i, item := range items {
		itemField := fmt.Sprintf("%s[%d]", field, i)
		object, ok := item.(map[string]any)
		if !ok {
			s.fail(itemField, "must be an object, not %s", jsonType(item))
			continue
		}
		s.closed(itemField, object, "name", other)
		s.str(itemField+".name", object)
		if other == "url" {
			s.uri(itemField+".url", object)
		} else {
			s.str(itemField+"."+other, object)
		}
	}
}

func (s *schemaCheck) includes(doc map[string]any) {
	includes, ok := s.array("includes", doc)
	if !ok {
		return
	}
	for i, item := range includes {
		field := fmt.Sprintf("includes[%d]", i)
		include, ok := item.(map[string]any)
		if !ok {
			s.fail(field, "must be an object, not %s", jsonType(item))
			continue
		}
		s.oneOf(field+".type", include, includeTypes)
		s.oneOf(field+".role", include, includeRoles)
		for _, key := range []string{"uid", "name", "component", "action", "path", "icon"} {
			s.str(field+"."+key, include)
		}
		s.boolean(field+".addToNav", include)
		s.boolean(field+".defaultNav", include)
	}
}

func (s *schemaCheck) dependencies(doc map[string]any) {
	deps, ok := s.object("dependencies", doc)
	if !ok {
		return
	}
	s.required("dependencies.", deps, "grafanaDependency")
	for _, key := range unknownKeys(deps, knownDependencyProperties) {
		s.r.warnf("%s: dependencies.%s: not a property Grafana's plugin.json schema is known to allow", s.file, key)
	}
	s.str("dependencies.grafanaDependency", deps)
	s.matching("dependencies.grafanaVersion", deps, grafanaVersionPattern, "it must look like 7.x.x")
	plugins, ok := s.array("dependencies.plugins", deps)
	if !ok {
		return
	}
	for i, item := range plugins {
		field := fmt.Sprintf("dependencies.plugins[%d]", i)
		dep, ok := item.(map[string]any)
		if !ok {
			s.fail(field, "must be an object, not %s", jsonType(item))
			continue
		}
		s.required(field+".", dep, "id", "name", "type", "version")
		s.matching(field+".id", dep, dependencyIDPattern, "it must be the id of an app, panel, data source or secrets manager plugin")
		s.oneOf(field+".type", dep, dependencyPluginTypes)
		s.str(field+".name", dep)
		s.str(field+".version", dep)
	}
}

// The helpers below check one property when it is present; absence is the
// business of required. field is the property's path as the messages show
// it; its last element is the key in doc.

func key(field string) string {
	return field[strings.LastIndex(field, ".")+1:]
}

func (s *schemaCheck) required(prefix string, doc map[string]any, keys ...string) {
	for _, k := range keys {
		if _, ok := doc[k]; !ok {
			s.fail(prefix+k, "is required")
		}
	}
}

// closed reports properties of an object whose schema allows no others.
func (s *schemaCheck) closed(field string, doc map[string]any, allowed ...string) {
	for _, k := range unknownKeys(doc, allowed) {
		s.fail(field+"."+k, "is not allowed here by Grafana's plugin.json schema")
	}
}

func (s *schemaCheck) str(field string, doc map[string]any) (string, bool) {
	v, present := doc[key(field)]
	if !present {
		return "", false
	}
	text, ok := v.(string)
	if !ok {
		s.fail(field, "must be a string, not %s", jsonType(v))
	}
	return text, ok
}

func (s *schemaCheck) strings(field string, items []any) {
	for i, item := range items {
		if _, ok := item.(string); !ok {
			s.fail(fmt.Sprintf("%s[%d]", field, i), "must be a string, not %s", jsonType(item))
		}
	}
}

func (s *schemaCheck) boolean(field string, doc map[string]any) {
	if v, present := doc[key(field)]; present {
		if _, ok := v.(bool); !ok {
			s.fail(field, "must be true or false, not %s", jsonType(v))
		}
	}
}

func (s *schemaCheck) object(field string, doc map[string]any) (map[string]any, bool) {
	v, present := doc[key(field)]
	if !present {
		return nil, false
	}
	object, ok := v.(map[string]any)
	if !ok {
		s.fail(field, "must be an object, not %s", jsonType(v))
	}
	return object, ok
}

func (s *schemaCheck) array(field string, doc map[string]any) ([]any, bool) {
	v, present := doc[key(field)]
	if !present {
		return nil, false
	}
	items, ok := v.([]any)
	if !ok {
		s.fail(field, "must be an array, not %s", jsonType(v))
	}
	return items, ok
}

func (s *schemaCheck) matching(field string, doc map[string]any, pattern *regexp.Regexp, hint string) {
	if text, ok := s.str(field, doc); ok && !pattern.MatchString(text) {
		s.fail(field, "%q does not match %s: %s", text, pattern, hint)
	}
}

func (s *schemaCheck) oneOf(field string, doc map[string]any, allowed []string) {
	if text, ok := s.str(field, doc); ok && !slices.Contains(allowed, text) {
		s.fail(field, "%q is not one of %s", text, strings.Join(allowed, ", "))
	}
}

// uri checks the schema's "uri" format: an absolute URI with a scheme.
func (s *schemaCheck) uri(field string, doc map[string]any) {
	text, ok := s.str(field, doc)
	if !ok {
		return
	}
	if u, err := url.Parse(text); err != nil || !u.IsAbs() {
		s.fail(field, "%q is not an absolute URL", text)
	}
}

func unknownKeys(doc map[string]any, known []string) []string {
	var unknown []string
	for k := range doc {
		if !slices.Contains(known, k) {
			unknown = append(unknown, k)
		}
	}
	sort.Strings(unknown)
	return unknown
}

func jsonType(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case bool:
		return "a boolean"
	case float64:
		return "a number"
	case string:
		return "a string"
	case []any:
		return "an array"
	}
	return "an object"
}
