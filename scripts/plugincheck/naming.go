package main

import (
	"fmt"
	"regexp"
	"strings"
)

// Plugin ids are <org>-<name>-<type>: the org is the publisher's grafana.com
// account, and the type suffix tells users what kind of plugin they install.

var orgPattern = regexp.MustCompile(`^[0-9a-z]+$`)

// checkOrg checks the org part of the id. Whether a grafana.com account of
// that name exists is only known online, so it is not checked here.
func checkOrg(c *pluginContext, r *reporter) string {
	org, _, _ := strings.Cut(c.main().ID, "-")
	if !orgPattern.MatchString(org) {
		r.errorf("plugin id %q does not start with an org (lower-case letters and digits) followed by '-'", c.main().ID)
		return ""
	}
	return fmt.Sprintf("plugin id starts with the org %q (not checked against grafana.com accounts offline)", org)
}

func checkPluginName(c *pluginContext, r *reporter) string {
	meta := c.main()
	if meta.ID != "" && meta.ID == meta.Name {
		r.errorf("plugin name %q is the plugin id; the name is what users see and should be human-friendly", meta.Name)
	}
	if parts := strings.Split(meta.ID, "-"); len(parts) < 3 {
		r.errorf("plugin id %q must have at least three parts, <org>-<name>-<type>", meta.ID)
	}
	return fmt.Sprintf("plugin id %q has the form <org>-<name>-<type> and the name %q is not the id", meta.ID, meta.Name)
}

func checkTypeSuffix(c *pluginContext, r *reporter) string {
	meta := c.main()
	if meta.Type == "" {
		return "plugin.json declares no type to compare the id with"
	}
	suffix := meta.ID[strings.LastIndex(meta.ID, "-")+1:]
	if suffix != meta.Type {
		r.errorf("plugin id %q must end with its type, -%s", meta.ID, meta.Type)
	}
	return fmt.Sprintf("plugin id ends with its type, -%s", meta.Type)
}
