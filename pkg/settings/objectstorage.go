package settings

import (
	"fmt"
	"net/url"
	"path"
	"regexp"
	"strings"

	"github.com/goscope/pprof/pkg/objstore"
)

// ObjectStorageJSON puts the dump store (uploads, captures) in an
// S3-compatible bucket instead of a directory on the Grafana server, so that
// every Grafana replica configured with the same bucket and prefix sees the
// same dumps. The keys are the secrets SecretObjectStorageAccessKey and
// SecretObjectStorageSecretKey.
type ObjectStorageJSON struct {
	Endpoint  string `json:"endpoint"`
	Region    string `json:"region,omitempty"`
	Bucket    string `json:"bucket"`
	Prefix    string `json:"prefix,omitempty"`
	PathStyle bool   `json:"pathStyle,omitempty"`
}

// Secret keys of the object storage credentials in secureJsonData.
const (
	SecretObjectStorageAccessKey = "objectStorageAccessKey"
	SecretObjectStorageSecretKey = "objectStorageSecretKey"
)

// bucketNamePattern is S3's rule for bucket names (3 to 63 lower-case
// letters, digits, dots and hyphens).
var bucketNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// objectStorage validates the bucket settings; nil settings mean the local
// directory store.
func objectStorage(j *ObjectStorageJSON, secrets map[string]string) (*objstore.S3Config, []error) {
	if j == nil || (j.Endpoint == "" && j.Bucket == "") {
		return nil, nil
	}
	var errs []error
	u, err := url.Parse(j.Endpoint)
	switch {
	case j.Endpoint == "":
		errs = append(errs, fmt.Errorf("object storage: the endpoint is missing (such as https://s3.eu-west-1.amazonaws.com)"))
	case err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https"):
		errs = append(errs, fmt.Errorf("object storage: endpoint %q is not an http(s) URL", j.Endpoint))
	case u.Path != "" && u.Path != "/":
		errs = append(errs, fmt.Errorf("object storage: endpoint %q has a path; give the bucket and prefix as their own settings", j.Endpoint))
	case u.User != nil:
		errs = append(errs, fmt.Errorf("object storage: the endpoint must not carry credentials; use the access key and secret key"))
	}
	if !bucketNamePattern.MatchString(j.Bucket) {
		errs = append(errs, fmt.Errorf("object storage: bucket %q is not a valid bucket name (3 to 63 lower-case letters, digits, dots and hyphens)", j.Bucket))
	}
	prefix := strings.Trim(j.Prefix, "/")
	if prefix != "" && !objstore.ValidKey(prefix) {
		errs = append(errs, fmt.Errorf("object storage: prefix %q is not a clean path (no empty, '.' or '..' parts)", j.Prefix))
	}
	access, secret := secrets[SecretObjectStorageAccessKey], secrets[SecretObjectStorageSecretKey]
	if (access == "") != (secret == "") {
		errs = append(errs, fmt.Errorf("object storage: give both the access key and the secret key, or neither for anonymous access"))
	}
	if len(errs) > 0 {
		return nil, errs
	}
	return &objstore.S3Config{
		Endpoint: j.Endpoint, Region: j.Region, Bucket: j.Bucket, Prefix: prefix,
		PathStyle: j.PathStyle, AccessKey: access, SecretKey: secret,
	}, nil
}

// DumpBucketJSON is a bucket prefix that services or a sidecar ship dumps
// to (holmes files, flight recorder traces, cores with their executables),
// listed and read like a dump directory. Endpoint and Bucket left empty
// take the object storage's (with its region, path style and keys); a
// source's own keys are the secrets DumpBucketAccessKey(name) and
// DumpBucketSecretKey(name).
type DumpBucketJSON struct {
	Name      string `json:"name"`
	Endpoint  string `json:"endpoint,omitempty"`
	Region    string `json:"region,omitempty"`
	Bucket    string `json:"bucket,omitempty"`
	Prefix    string `json:"prefix,omitempty"`
	PathStyle bool   `json:"pathStyle,omitempty"`
	// Glob and Executable are as for a dump directory, with Executable
	// the key (under the prefix) of the cores' executable, if they share one.
	Glob       string `json:"glob,omitempty"`
	Executable string `json:"executable,omitempty"`
}

// DumpBucket is a validated bucket source.
type DumpBucket struct {
	Name, Glob, Executable string
	S3                     objstore.S3Config
}

// DumpBucketAccessKey and DumpBucketSecretKey are the secureJsonData keys
// of a bucket source's own credentials, by name (secrets never travel back
// to the browser, so the editor cannot carry them along when a source moves
// in the list).
func DumpBucketAccessKey(name string) string { return "dumpBucketAccessKey." + name }
func DumpBucketSecretKey(name string) string { return "dumpBucketSecretKey." + name }

// dumpBuckets validates the bucket sources.
func dumpBuckets(sources []DumpBucketJSON, storage *ObjectStorageJSON, secrets map[string]string) ([]DumpBucket, []error) {
	var out []DumpBucket
	var errs []error
	seen := map[string]bool{}
	for i, b := range sources {
		label := fmt.Sprintf("dump bucket %d", i+1)
		if b.Name != "" {
			label = fmt.Sprintf("dump bucket %q", b.Name)
		}
		switch {
		case !dumpDirNamePattern.MatchString(b.Name):
			errs = append(errs, fmt.Errorf("%s: a name of letters, digits and . _ - is required", label))
		case seen[b.Name]:
			errs = append(errs, fmt.Errorf("%s: the name is used twice; names must be unique", label))
		}
		seen[b.Name] = true
		if b.Glob != "" {
			if _, err := path.Match(b.Glob, ""); err != nil {
				errs = append(errs, fmt.Errorf("%s: glob %q is not valid: %v", label, b.Glob, err))
			}
		}
		if b.Executable != "" && !objstore.ValidKey(b.Executable) {
			errs = append(errs, fmt.Errorf("%s: executable %q is not a clean key under the prefix", label, b.Executable))
		}
		j := ObjectStorageJSON{Endpoint: b.Endpoint, Region: b.Region, Bucket: b.Bucket, Prefix: b.Prefix, PathStyle: b.PathStyle}
		keys := map[string]string{
			SecretObjectStorageAccessKey: secrets[DumpBucketAccessKey(b.Name)],
			SecretObjectStorageSecretKey: secrets[DumpBucketSecretKey(b.Name)],
		}
		if b.Endpoint == "" || b.Bucket == "" {
			if storage == nil || storage.Endpoint == "" {
				errs = append(errs, fmt.Errorf("%s: give its endpoint and bucket, or configure object storage for it to share", label))
				continue
			}
			if b.Endpoint == "" {
				j.Endpoint, j.Region, j.PathStyle = storage.Endpoint, storage.Region, storage.PathStyle
				if keys[SecretObjectStorageAccessKey] == "" && keys[SecretObjectStorageSecretKey] == "" {
					keys = secrets
				}
			}
			if b.Bucket == "" {
				j.Bucket = storage.Bucket
			}
		}
		cfg, cfgErrs := objectStorage(&j, keys)
		for _, err := range cfgErrs {
			errs = append(errs, fmt.Errorf("%s: %s", label, strings.TrimPrefix(err.Error(), "object storage: ")))
		}
		if cfg != nil {
			out = append(out, DumpBucket{Name: b.Name, Glob: b.Glob, Executable: b.Executable, S3: *cfg})
		}
	}
	return out, errs
}
