import React from 'react';
import { InlineField, InlineSwitch, Input, SecretInput } from '@grafana/ui';

import { ObjectStorageConfig } from '../../types';
import { CONFIG_LABEL_WIDTH } from '../layout';
import { isSecretSet, resetSecret, setSecret, Settings, typedSecret } from './secrets';
import { objectStorageErrors } from './validation';

interface Props {
  options: Settings;
  onOptionsChange: (options: Settings) => void;
}

const ACCESS_KEY = 'objectStorageAccessKey';
const SECRET_KEY = 'objectStorageSecretKey';

/**
 * The dump store in an S3-compatible bucket instead of the upload directory:
 * every Grafana replica configured with the same bucket and prefix sees the
 * same dumps. Empty endpoint and bucket keep the local directory.
 */
export function ObjectStorageSection({ options, onOptionsChange }: Props) {
  const storage = options.jsonData.objectStorage;
  const configured = Boolean(storage?.endpoint || storage?.bucket);
  const errors = configured ? objectStorageErrors(storage!) : {};

  const update = (change: Partial<ObjectStorageConfig>) => {
    const next: ObjectStorageConfig = { endpoint: '', bucket: '', ...storage, ...change };
    const empty = !next.endpoint && !next.bucket && !next.prefix && !next.region && !next.pathStyle;
    onOptionsChange({ ...options, jsonData: { ...options.jsonData, objectStorage: empty ? undefined : next } });
  };

  return (
    <>
      <InlineField
        label="Endpoint"
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip="The S3-compatible service's URL, e.g. https://s3.eu-west-1.amazonaws.com or http://seaweedfs:8333. Empty keeps dumps in the upload directory."
        invalid={Boolean(errors.endpoint)}
        error={errors.endpoint}
      >
        <Input
          id="object-storage-endpoint"
          value={storage?.endpoint ?? ''}
          placeholder="local upload directory"
          width={48}
          onChange={(e) => update({ endpoint: e.currentTarget.value.trim() })}
        />
      </InlineField>
      <InlineField
        label="Region"
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip="Needed by AWS S3; most other services ignore it."
      >
        <Input
          id="object-storage-region"
          value={storage?.region ?? ''}
          placeholder="us-east-1"
          width={24}
          onChange={(e) => update({ region: e.currentTarget.value.trim() || undefined })}
        />
      </InlineField>
      <InlineField
        label="Bucket"
        labelWidth={CONFIG_LABEL_WIDTH}
        invalid={Boolean(errors.bucket)}
        error={errors.bucket}
      >
        <Input
          id="object-storage-bucket"
          value={storage?.bucket ?? ''}
          placeholder="grafana-pprof"
          width={32}
          onChange={(e) => update({ bucket: e.currentTarget.value.trim() })}
        />
      </InlineField>
      <InlineField
        label="Prefix"
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip="Keys are kept under this prefix, so data sources (or other tenants) can share a bucket."
        invalid={Boolean(errors.prefix)}
        error={errors.prefix}
      >
        <Input
          id="object-storage-prefix"
          value={storage?.prefix ?? ''}
          placeholder="none"
          width={32}
          onChange={(e) => update({ prefix: e.currentTarget.value.trim() || undefined })}
        />
      </InlineField>
      <InlineField
        label="Path-style addressing"
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip="Address the bucket as endpoint/bucket rather than bucket.endpoint; most self-hosted services (MinIO, SeaweedFS, Ceph) need it."
      >
        <InlineSwitch
          id="object-storage-path-style"
          value={storage?.pathStyle ?? false}
          onChange={(e) => update({ pathStyle: e.currentTarget.checked || undefined })}
        />
      </InlineField>
      <SecretField
        options={options}
        onOptionsChange={onOptionsChange}
        secretKey={ACCESS_KEY}
        id="object-storage-access-key"
        label="Access key"
      />
      <SecretField
        options={options}
        onOptionsChange={onOptionsChange}
        secretKey={SECRET_KEY}
        id="object-storage-secret-key"
        label="Secret key"
      />
    </>
  );
}

/** A secret credential, stored encrypted and never shown again. */
export function SecretField({
  options,
  onOptionsChange,
  secretKey,
  id,
  label,
}: Props & { secretKey: string; id: string; label: string }) {
  return (
    <InlineField
      label={label}
      labelWidth={CONFIG_LABEL_WIDTH}
      tooltip="Stored encrypted and never shown again. Leave both keys empty for anonymous access."
    >
      <SecretInput
        id={id}
        isConfigured={isSecretSet(options, secretKey)}
        value={typedSecret(options, secretKey)}
        width={40}
        onChange={(e) => onOptionsChange(setSecret(options, secretKey, e.currentTarget.value))}
        onReset={() => onOptionsChange(resetSecret(options, secretKey))}
      />
    </InlineField>
  );
}
