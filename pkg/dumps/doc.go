// Package dumps holds the dumps a data source can query besides its live
// targets: files people upload and dumps the backend captures, kept in a
// bounded store, and files that tools such as holmes write into directories
// or ship to bucket prefixes an admin configures. A Catalog presents them all
// as snapshots with capture times, which is what queries, history, template
// variables and annotations read, and what pkg/plugin/dumpsapi serves to the
// frontend. The package knows nothing of HTTP or of Grafana's users: an
// uploader is a name, and every error that a caller's mistake causes wraps
// one of the sentinel errors in errors.go, which the caller turns into a
// status.
//
// The store keeps its dumps in an objstore.Bucket: a local directory (the
// default, owned by one process) or an S3-compatible bucket that several
// processes (Grafana replicas) share. It is content-addressed: a dump's id
// is the sha256 of its bytes, so identical uploads are stored once. The
// metadata object, written after the dump object is complete, is the commit
// record, so a crash at any point leaves either a complete dump or nothing
// listed, and what was acknowledged survives a restart. Chunked uploads in
// progress live in the bucket too, so their requests may reach any process.
//
// Directories and bucket prefixes are listed and read by the same code
// (watchedDir over a tree of files); a bucket's files are read from a
// bounded local cache.
//
// Directory and bucket sources are read-only; who may change the upload
// store is decided by pkg/plugin/dumpsapi.
package dumps
