// Package dumps holds the dumps a data source can query besides its live
// targets: files people upload, kept in a bounded store on disk, and files
// that tools such as holmes write into directories an admin configures. A
// Catalog presents both as snapshots with capture times, which is what
// queries, history, template variables and annotations read, and what
// pkg/plugin/dumpsapi serves to the frontend. The package knows nothing of
// HTTP or of Grafana's users: an uploader is a name, and every error that a
// caller's mistake causes wraps one of the sentinel errors in errors.go,
// which the caller turns into a status.
//
// The upload store is content-addressed: a dump's id is the sha256 of its
// bytes, so identical uploads are stored once. Every file is written to a
// temporary file in the store's directory, synced, and renamed into place,
// and the metadata file written last is the commit record, so a crash at any
// point leaves either a complete dump or nothing, and what was acknowledged
// survives a restart.
//
// Directory dumps are read-only; who may change the upload store is decided
// by pkg/plugin/dumpsapi.
package dumps
