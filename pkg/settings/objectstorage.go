package settings

import (
	"fmt"
	"net/url"
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
