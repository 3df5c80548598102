// Package dumpsapi is the dump API served to the frontend through Grafana's
// CallResource: listing, reading, uploading (in one request or in chunks),
// correcting capture times and deleting the dumps of a dumps.Catalog, in
// JSON, with the store's kinds of failure answered as HTTP statuses.
//
// Who may do what: anyone who may query the data source may list and read
// dumps; uploading, correcting a capture time and deleting need the Editor
// or Admin role of the Grafana user in the plugin context (see
// EditorsMayWrite), and that user's login is recorded as the uploader.
// Directory dumps are read-only.
package dumpsapi
