// Package dumps holds the dumps a data source can query besides its live
// targets: files people upload, kept in a bounded store on disk, and files
// that tools such as holmes write into directories an admin configures. A
// Catalog presents both as snapshots with capture times, which is what
// queries, history, template variables and annotations read; NewHandler
// serves the catalog to the frontend through Grafana's CallResource.
//
// The upload store is content-addressed: a dump's id is the sha256 of its
// bytes, so identical uploads are stored once. Every file is written to a
// temporary file in the store's directory, synced, and renamed into place,
// and the metadata file written last is the commit record, so a crash at any
// point leaves either a complete dump or nothing, and what was acknowledged
// survives a restart.
//
// Access: anyone who may query the data source may list and read dumps;
// uploading, correcting a capture time and deleting need the Editor or Admin
// role of the Grafana user in the plugin context (see EditorsMayWrite).
// Directory dumps are read-only.
package dumps
