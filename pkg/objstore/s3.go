package objstore

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/minio/minio-go/v7"
	"github.com/minio/minio-go/v7/pkg/credentials"
)

// S3Config addresses a bucket of an S3-compatible service (AWS S3, MinIO,
// SeaweedFS, Ceph, GCS's XML API, R2...).
type S3Config struct {
	// Endpoint is the service's URL, such as https://s3.eu-west-1.amazonaws.com
	// or http://127.0.0.1:8333; its scheme chooses TLS.
	Endpoint string
	Region   string
	Bucket   string
	// Prefix is prepended to every key, so several data sources, or a
	// data source and other tenants, can share one bucket.
	Prefix string
	// PathStyle addresses the bucket as endpoint/bucket rather than
	// bucket.endpoint; most self-hosted services need it.
	PathStyle bool
	// AccessKey and SecretKey sign requests; both empty means anonymous.
	AccessKey, SecretKey, SessionToken string
}

// S3 is a Bucket in an S3-compatible bucket, read and written with minio-go:
// a small client that speaks plain S3 to every compatible service (the AWS
// SDK pulls in a large dependency tree for the one service we use, and
// gocloud.dev/blob hides the conditional write PutIfAbsent needs). A Put is
// a single PUT or a multipart upload, both visible only once complete.
type S3 struct {
	client *minio.Client
	bucket string
	prefix string
	name   string
}

// OpenS3 connects to the bucket; it does not check that the bucket exists
// (Check does).
func OpenS3(cfg S3Config) (*S3, error) {
	u, err := url.Parse(cfg.Endpoint)
	if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, fmt.Errorf("object storage endpoint %q is not an http(s) URL", cfg.Endpoint)
	}
	if u.Path != "" && u.Path != "/" {
		return nil, fmt.Errorf("object storage endpoint %q has a path; give the bucket and prefix as their own settings", cfg.Endpoint)
	}
	if cfg.Bucket == "" {
		return nil, errors.New("object storage: no bucket configured")
	}
	prefix := strings.Trim(cfg.Prefix, "/")
	if prefix != "" {
		if !ValidKey(prefix) {
			return nil, fmt.Errorf("object storage prefix %q is not a clean relative path", cfg.Prefix)
		}
		prefix += "/"
	}
	lookup := minio.BucketLookupDNS
	if cfg.PathStyle {
		lookup = minio.BucketLookupPath
	}
	var creds *credentials.Credentials
	if cfg.AccessKey != "" || cfg.SecretKey != "" {
		creds = credentials.NewStaticV4(cfg.AccessKey, cfg.SecretKey, cfg.SessionToken)
	} else {
		creds = credentials.New(&credentials.Static{})
	}
	secure := u.Scheme == "https"
	transport, err := minio.DefaultTransport(secure)
	if err != nil {
		return nil, err
	}
	transport.ResponseHeaderTimeout = 30 * time.Second
	client, err := minio.New(u.Host, &minio.Options{
		Creds:        creds,
		Secure:       secure,
		Region:       cfg.Region,
		BucketLookup: lookup,
		Transport:    transport,
	})
	if err != nil {
		return nil, fmt.Errorf("object storage: %w", err)
	}
	return &S3{
		client: client,
		bucket: cfg.Bucket,
		prefix: prefix,
		name:   "s3://" + cfg.Bucket + "/" + prefix + " at " + u.Scheme + "://" + u.Host,
	}, nil
}

func (s *S3) String() string { return s.name }

// Check says whether the bucket can be reached and exists.
func (s *S3) Check(ctx context.Context) error {
	ok, err := s.client.BucketExists(ctx, s.bucket)
	if err != nil {
		return s.explain("", err)
	}
	if !ok {
		return fmt.Errorf("%s: the bucket does not exist", s.name)
	}
	return nil
}

func (s *S3) Put(ctx context.Context, key string, r io.Reader, size int64) error {
	return s.put(ctx, key, r, size, minio.PutObjectOptions{})
}

func (s *S3) PutIfAbsent(ctx context.Context, key string, r io.Reader, size int64) error {
	opts := minio.PutObjectOptions{}
	opts.SetMatchETagExcept("*")
	return s.put(ctx, key, r, size, opts)
}

func (s *S3) put(ctx context.Context, key string, r io.Reader, size int64, opts minio.PutObjectOptions) error {
	if err := checkKey(key); err != nil {
		return err
	}
	opts.ContentType = "application/octet-stream"
	// One part up to 64 MiB: fewer requests, and claims stay single PUTs.
	opts.PartSize = 64 << 20
	_, err := s.client.PutObject(ctx, s.bucket, s.prefix+key, r, size, opts)
	return s.explain(key, err)
}

func (s *S3) Get(ctx context.Context, key string) (io.ReadCloser, Object, error) {
	if err := checkKey(key); err != nil {
		return nil, Object{}, err
	}
	obj, err := s.client.GetObject(ctx, s.bucket, s.prefix+key, minio.GetObjectOptions{})
	if err != nil {
		return nil, Object{}, s.explain(key, err)
	}
	info, err := obj.Stat()
	if err != nil {
		obj.Close()
		return nil, Object{}, s.explain(key, err)
	}
	return obj, Object{Key: key, Size: info.Size, Modified: info.LastModified}, nil
}

func (s *S3) Stat(ctx context.Context, key string) (Object, error) {
	if err := checkKey(key); err != nil {
		return Object{}, err
	}
	info, err := s.client.StatObject(ctx, s.bucket, s.prefix+key, minio.StatObjectOptions{})
	if err != nil {
		return Object{}, s.explain(key, err)
	}
	return Object{Key: key, Size: info.Size, Modified: info.LastModified}, nil
}

func (s *S3) List(ctx context.Context, prefix string) ([]Object, error) {
	out, _, err := s.listAtMost(ctx, prefix, -1)
	return out, err
}

// listAtMost stops listing after max objects (no limit when negative).
func (s *S3) listAtMost(ctx context.Context, prefix string, max int) ([]Object, bool, error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var out []Object
	for info := range s.client.ListObjects(ctx, s.bucket, minio.ListObjectsOptions{Prefix: s.prefix + prefix, Recursive: true}) {
		if info.Err != nil {
			return out, false, s.explain(prefix, info.Err)
		}
		key := strings.TrimPrefix(info.Key, s.prefix)
		if !ValidKey(key) {
			continue
		}
		if max >= 0 && len(out) == max {
			return out, true, nil
		}
		out = append(out, Object{Key: key, Size: info.Size, Modified: info.LastModified})
	}
	return out, false, nil
}

func (s *S3) Delete(ctx context.Context, key string) error {
	if err := checkKey(key); err != nil {
		return err
	}
	return s.explain(key, s.client.RemoveObject(ctx, s.bucket, s.prefix+key, minio.RemoveObjectOptions{}))
}

// explain maps S3 error codes to the package's errors and names the bucket,
// never the credentials.
func (s *S3) explain(key string, err error) error {
	if err == nil {
		return nil
	}
	resp := minio.ToErrorResponse(err)
	switch {
	case resp.Code == "NoSuchKey" || (resp.StatusCode == http.StatusNotFound && resp.Code != "NoSuchBucket"):
		return fmt.Errorf("object %s: %w", quoteKey(key), ErrNotExist)
	case resp.Code == "PreconditionFailed" || resp.StatusCode == http.StatusPreconditionFailed ||
		resp.StatusCode == http.StatusConflict && resp.Code == "ConditionalRequestConflict":
		return ErrExists
	case resp.Code == "NoSuchBucket":
		return fmt.Errorf("%s: the bucket does not exist", s.name)
	case resp.Code == "AccessDenied" || resp.Code == "InvalidAccessKeyId" || resp.Code == "SignatureDoesNotMatch":
		return fmt.Errorf("%s: access denied (%s); check the access key and secret", s.name, resp.Code)
	case resp.StatusCode != 0:
		return fmt.Errorf("%s: %s (HTTP %d, %s)", s.name, resp.Message, resp.StatusCode, resp.Code)
	}
	return fmt.Errorf("%s: %w", s.name, err)
}
