import React from 'react';
import { Button, IconButton, InlineField, InlineSwitch, Input, Stack } from '@grafana/ui';

import { DumpBucketConfig, dumpBucketAccessKey, dumpBucketSecretKey } from '../../types';
import { CONFIG_LABEL_WIDTH } from '../layout';
import { SecretField } from './ObjectStorageSection';
import { releaseNamedSecret, Settings } from './secrets';
import { dumpBucketErrors } from './validation';

interface Props {
  options: Settings;
  onOptionsChange: (options: Settings) => void;
}

/** Bucket prefixes read like dump directories: holmes files, flight recorder traces or cores a service ships there. */
export function BucketSourcesEditor({ options, onOptionsChange }: Props) {
  const { jsonData } = options;
  const buckets = jsonData.dumpBuckets ?? [];
  const names = buckets.map((b) => b.name);

  const setBuckets = (next: DumpBucketConfig[], base: Settings = options) =>
    onOptionsChange({ ...base, jsonData: { ...base.jsonData, dumpBuckets: next.length ? next : undefined } });
  const update = (index: number, change: Partial<DumpBucketConfig>) =>
    setBuckets(buckets.map((b, i) => (i === index ? { ...b, ...change } : b)));
  // A source's keys are stored by its name: they follow a rename, and a
  // stored key is cleared when the source goes, so that a later source of
  // that name does not inherit it.
  const releaseKeys = (base: Settings, oldName: string, newName?: string) =>
    [dumpBucketAccessKey, dumpBucketSecretKey].reduce(
      (next, key) => releaseNamedSecret(next, key(oldName), newName === undefined ? undefined : key(newName)),
      base
    );
  const rename = (index: number, name: string) =>
    setBuckets(
      buckets.map((b, i) => (i === index ? { ...b, name } : b)),
      releaseKeys(options, buckets[index].name, name)
    );
  const remove = (index: number) =>
    setBuckets(
      buckets.filter((_, i) => i !== index),
      releaseKeys(options, buckets[index].name)
    );

  return (
    <>
      {buckets.map((b, index) => {
        const errors = dumpBucketErrors(b, names, jsonData.objectStorage);
        const n = index + 1;
        const field = (
          key: keyof DumpBucketConfig,
          label: string,
          placeholder: string,
          width: number,
          tooltip?: string
        ) => (
          <InlineField
            label={label}
            tooltip={tooltip}
            invalid={Boolean(errors[key as keyof typeof errors])}
            error={errors[key as keyof typeof errors]}
          >
            <Input
              id={`dump-bucket-${index}-${key}`}
              aria-label={`Bucket source ${n} ${label.toLowerCase()}`}
              value={(b[key] as string | undefined) ?? ''}
              placeholder={placeholder}
              width={width}
              onChange={(e) => update(index, { [key]: e.currentTarget.value.trim() || undefined })}
            />
          </InlineField>
        );
        return (
          <fieldset key={index} aria-label={`Bucket source ${n}`} data-testid="dump-bucket-row">
            <Stack gap={0} alignItems="flex-start" wrap="wrap">
              <InlineField
                label={`Bucket source ${n} name`}
                labelWidth={CONFIG_LABEL_WIDTH}
                invalid={Boolean(errors.name)}
                error={errors.name}
              >
                <Input
                  id={`dump-bucket-${index}-name`}
                  value={b.name}
                  placeholder="holmes"
                  width={16}
                  onChange={(e) => rename(index, e.currentTarget.value)}
                />
              </InlineField>
              {field(
                'endpoint',
                'Endpoint',
                'object storage’s',
                28,
                'Empty: the object storage’s endpoint, region, path style and keys.'
              )}
              {field('bucket', 'Bucket', 'object storage’s', 20)}
              {field('prefix', 'Prefix', 'holmes/api', 20)}
              {field(
                'glob',
                'Files',
                'all',
                16,
                'Optional glob over file names (or keys under the prefix, when it holds a /), e.g. goroutine.*'
              )}
              {field(
                'executable',
                'Executable',
                'beside each core',
                20,
                'For core dumps: the key of the executable that wrote them. Empty: the object named like the core’s program, beside the core.'
              )}
              <InlineField label="Region">
                <Input
                  id={`dump-bucket-${index}-region`}
                  aria-label={`Bucket source ${n} region`}
                  value={b.region ?? ''}
                  placeholder="any"
                  width={14}
                  onChange={(e) => update(index, { region: e.currentTarget.value.trim() || undefined })}
                />
              </InlineField>
              <InlineField label="Path-style">
                <InlineSwitch
                  aria-label={`Bucket source ${n} path-style`}
                  value={b.pathStyle ?? false}
                  onChange={(e) => update(index, { pathStyle: e.currentTarget.checked || undefined })}
                />
              </InlineField>
              <IconButton name="trash-alt" tooltip={`Remove bucket source ${n}`} onClick={() => remove(index)} />
            </Stack>
            {b.endpoint && b.name && (
              <>
                <SecretField
                  options={options}
                  onOptionsChange={onOptionsChange}
                  secretKey={dumpBucketAccessKey(b.name)}
                  id={`dump-bucket-${index}-access-key`}
                  label={`Source ${n} access key`}
                />
                <SecretField
                  options={options}
                  onOptionsChange={onOptionsChange}
                  secretKey={dumpBucketSecretKey(b.name)}
                  id={`dump-bucket-${index}-secret-key`}
                  label={`Source ${n} secret key`}
                />
              </>
            )}
          </fieldset>
        );
      })}
      <Button variant="secondary" icon="plus" onClick={() => setBuckets([...buckets, { name: '' }])}>
        Add bucket source
      </Button>
    </>
  );
}
