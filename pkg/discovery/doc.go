// Package discovery finds pprof targets that an admin did not list one by
// one: the addresses of a DNS name (A/AAAA) or its SRV records, the active
// targets of a Prometheus server, and the entries of a Prometheus file_sd
// file. Each discovered address is mapped to a pprof URL (and a metrics
// URL) by a template, named, given its labels, and kept only when the URLs
// lie inside an allow-list of networks, host names and ports: discovery is
// configured by an admin, and whatever a DNS zone, a Prometheus server or a
// file says, Grafana's server fetches nothing outside that list.
//
// A Manager refreshes every source in the background on an interval,
// bounded in time, response size and number of targets, and keeps each
// source's last good result when a refresh fails, with the error kept for
// the health check and query notices.
package discovery
