package discovery

import (
	"net/netip"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Address is one endpoint a source found, before it is mapped to URLs.
type Address struct {
	// Host is a name or an IP address (without brackets).
	Host string
	Port int
	// Labels are what the source says of the address: a Prometheus
	// target's labels, a file_sd group's labels.
	Labels map[string]string
	// ScrapeURL is where Prometheus scrapes the address: the default
	// metrics URL of a Prometheus target.
	ScrapeURL string
}

// Target is a discovered target, ready to be fetched like a configured one.
type Target struct {
	Name       string
	URL        string
	MetricsURL string
	Labels     map[string]string
	// Source is the name of the source that found it.
	Source string
}

// Bounds on the labels a target carries into every frame.
const (
	maxLabels          = 64
	maxLabelValueBytes = 1024
	maxNameBytes       = 200
)

var (
	labelNamePattern = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	nameCharsPattern = regexp.MustCompile(`[^A-Za-z0-9._:-]`)
)

// targetLabels merges what the source found with the source's own labels
// (which win), keeping names Prometheus would accept and dropping its
// internal "__" labels; a label the plugin sets itself is kept as
// exported_<name>, as Prometheus does on a clash. Values longer than
// maxLabelValueBytes are dropped, and at most maxLabels are kept, by name.
func targetLabels(found, own map[string]string, reserved map[string]bool) map[string]string {
	merged := map[string]string{}
	for _, m := range []map[string]string{found, own} {
		for k, v := range m {
			if strings.HasPrefix(k, "__") || !labelNamePattern.MatchString(k) || len(v) > maxLabelValueBytes {
				continue
			}
			if reserved[k] {
				k = "exported_" + k
			}
			merged[k] = v
		}
	}
	if len(merged) <= maxLabels {
		return merged
	}
	keys := make([]string, 0, len(merged))
	for k := range merged {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys[maxLabels:] {
		delete(merged, k)
	}
	return merged
}

// targetName is the value of the name label when the target has it, else
// the address as host:port. IPv6 addresses are written as Kubernetes
// writes them in DNS names (':' as '-', "fd00--1"), and any character a
// target name may not hold becomes '_', so that names fit the same rules
// as configured ones.
func targetName(a Address, labels map[string]string, nameLabel string) string {
	if v := labels[nameLabel]; nameLabel != "" && v != "" {
		return cleanName(v)
	}
	return cleanName(hostPort(a.Host, a.Port))
}

func hostPort(host string, port int) string {
	return host + ":" + strconv.Itoa(port)
}

func cleanName(s string) string {
	if h, p, ok := strings.Cut(s, "]:"); ok && strings.HasPrefix(h, "[") {
		s = ipv6Name(h[1:]) + ":" + p
	} else if i := strings.LastIndexByte(s, ':'); i > 0 && strings.Count(s, ":") > 1 {
		if _, err := netip.ParseAddr(s[:i]); err == nil {
			s = ipv6Name(s[:i]) + s[i:]
		}
	}
	s = nameCharsPattern.ReplaceAllString(s, "_")
	if s == "" || !isAlnum(s[0]) {
		s = "0" + s
	}
	if len(s) > maxNameBytes {
		s = s[:maxNameBytes]
	}
	return s
}

func ipv6Name(addr string) string {
	s := strings.ReplaceAll(addr, ":", "-")
	if strings.HasPrefix(s, "-") {
		s = "0" + s
	}
	return s
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
