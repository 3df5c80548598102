import React from 'react';
import { Button, IconButton, InlineField, Input, Stack } from '@grafana/ui';

import { DumpDirectoryConfig } from '../../types';
import { CONFIG_LABEL_WIDTH } from '../layout';
import { LimitField } from './LimitsSection';
import { Settings } from './secrets';
import { LIMITS } from './limits';
import { dumpDirectoryErrors, dumpStoreDirError } from './validation';

interface Props {
  options: Settings;
  onOptionsChange: (options: Settings) => void;
}

/** Where uploaded dumps are kept, how much they may take, and the directories read as dump sources. */
export function DumpsSection({ options, onOptionsChange }: Props) {
  const { jsonData } = options;
  const dirs = jsonData.dumpDirectories ?? [];
  const names = dirs.map((d) => d.name);
  const storeError = dumpStoreDirError(jsonData.dumpStoreDir);

  const setDirs = (next: DumpDirectoryConfig[]) =>
    onOptionsChange({ ...options, jsonData: { ...jsonData, dumpDirectories: next.length ? next : undefined } });
  const updateDir = (index: number, change: Partial<DumpDirectoryConfig>) =>
    setDirs(dirs.map((d, i) => (i === index ? { ...d, ...change } : d)));

  return (
    <>
      <InlineField
        label="Upload directory"
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip="Absolute path on the Grafana server where uploaded dumps are stored. Empty uses a directory under Grafana's data path."
        invalid={Boolean(storeError)}
        error={storeError}
      >
        <Input
          id="dump-store-dir"
          value={jsonData.dumpStoreDir ?? ''}
          placeholder="default"
          width={48}
          onChange={(e) =>
            onOptionsChange({ ...options, jsonData: { ...jsonData, dumpStoreDir: e.currentTarget.value || undefined } })
          }
        />
      </InlineField>
      <LimitField limit={LIMITS.maxUploadMiB} options={options} onOptionsChange={onOptionsChange} />
      <LimitField limit={LIMITS.maxCoreUploadMiB} options={options} onOptionsChange={onOptionsChange} />
      <LimitField limit={LIMITS.dumpQuotaMiB} options={options} onOptionsChange={onOptionsChange} />
      <LimitField limit={LIMITS.parseCacheMiB} options={options} onOptionsChange={onOptionsChange} />

      {dirs.map((dir, index) => {
        const errors = dumpDirectoryErrors(dir, names);
        const n = index + 1;
        return (
          <fieldset key={index} aria-label={`Dump directory ${n}`} data-testid="dump-directory-row">
            <Stack gap={0} alignItems="flex-start" wrap="wrap">
              <InlineField
                label={`Directory ${n} name`}
                labelWidth={CONFIG_LABEL_WIDTH}
                invalid={Boolean(errors.name)}
                error={errors.name}
              >
                <Input
                  id={`dump-dir-${index}-name`}
                  value={dir.name}
                  placeholder="holmes"
                  width={16}
                  onChange={(e) => updateDir(index, { name: e.currentTarget.value })}
                />
              </InlineField>
              <InlineField label="Path" invalid={Boolean(errors.path)} error={errors.path}>
                <Input
                  id={`dump-dir-${index}-path`}
                  aria-label={`Directory ${n} path`}
                  value={dir.path}
                  placeholder="/var/log/holmes"
                  width={32}
                  onChange={(e) => updateDir(index, { path: e.currentTarget.value })}
                />
              </InlineField>
              <InlineField
                label="Files"
                tooltip="Optional glob over file names (or relative paths, when it holds a /), e.g. goroutine.*"
                invalid={Boolean(errors.glob)}
                error={errors.glob}
              >
                <Input
                  id={`dump-dir-${index}-glob`}
                  aria-label={`Directory ${n} files`}
                  value={dir.glob ?? ''}
                  placeholder="all"
                  width={20}
                  onChange={(e) => updateDir(index, { glob: e.currentTarget.value || undefined })}
                />
              </InlineField>
              <InlineField
                label="Executable"
                tooltip="For core dumps: the executable that wrote them, or a directory holding each program by name. Empty: the file named like the core's program, beside the core."
              >
                <Input
                  id={`dump-dir-${index}-executable`}
                  aria-label={`Directory ${n} executable`}
                  value={dir.executable ?? ''}
                  placeholder="beside each core"
                  width={28}
                  onChange={(e) => updateDir(index, { executable: e.currentTarget.value || undefined })}
                />
              </InlineField>
              <IconButton
                name="trash-alt"
                tooltip={`Remove dump directory ${n}`}
                onClick={() => setDirs(dirs.filter((_, i) => i !== index))}
              />
            </Stack>
          </fieldset>
        );
      })}
      <Button variant="secondary" icon="plus" onClick={() => setDirs([...dirs, { name: '', path: '' }])}>
        Add dump directory
      </Button>
    </>
  );
}
