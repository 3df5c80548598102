import React, { useMemo, useState } from 'react';
import { Alert, Button, Combobox, ComboboxOption, ConfirmButton, InlineField, Stack } from '@grafana/ui';

import { PprofApi, toApiError } from '../../api';
import { DumpInfo, UPLOAD_SOURCE } from '../../types';
import { dumpTitle } from '../../variables';
import { QUERY_LABEL_WIDTH } from '../layout';
import { DumpDetails } from './DumpDetails';
import { DumpUpload } from './DumpUpload';
import { formatBytes } from './format';
import { DumpsState, variableOptions } from './useResources';

interface Props {
  id: string;
  label?: string;
  value: string | undefined;
  onChange: (dumpId: string) => void;
  api: PprofApi;
  dumps: DumpsState;
}

/** Picks a stored dump; uploads a new one; deletes the picked one. */
export function DumpPicker({ id, label = 'Dump', value, onChange, api, dumps }: Props) {
  const [uploadOpen, setUploadOpen] = useState(false);
  const [deleteError, setDeleteError] = useState<string | undefined>();

  const options = useMemo<Array<ComboboxOption<string>>>(
    () => [
      ...dumps.value.map((d) => ({ value: d.id, label: dumpTitle(d), description: describeDump(d) })),
      ...variableOptions(),
    ],
    [dumps.value]
  );
  const picked: DumpInfo | undefined = dumps.value.find((d) => d.id === value);
  const selected = value ? (options.find((o) => o.value === value) ?? { value, label: value }) : null;

  const onUploaded = (dump: DumpInfo) => {
    setUploadOpen(false);
    dumps.reload();
    onChange(dump.id);
  };

  const onDelete = async () => {
    if (!picked) {
      return;
    }
    try {
      await api.deleteDump(picked.id);
      setDeleteError(undefined);
      dumps.reload();
      onChange('');
    } catch (err) {
      setDeleteError(toApiError(err).message);
    }
  };

  return (
    <Stack direction="column" gap={1}>
      <Stack gap={1} alignItems="flex-start" wrap="wrap">
        <InlineField
          label={label}
          labelWidth={QUERY_LABEL_WIDTH}
          tooltip="A dump stored by this data source: uploaded, or found in a dump directory."
          invalid={Boolean(dumps.error)}
          error={dumps.error ? `Could not list dumps: ${dumps.error}` : undefined}
        >
          <Combobox
            id={id}
            width={48}
            options={options}
            value={selected}
            loading={dumps.loading}
            placeholder="Choose a dump"
            onChange={(option) => onChange(option.value)}
          />
        </InlineField>
        <Button variant="secondary" icon="upload" aria-expanded={uploadOpen} onClick={() => setUploadOpen(!uploadOpen)}>
          Upload
        </Button>
        {picked?.source === UPLOAD_SOURCE && (
          <ConfirmButton confirmText="Delete" confirmVariant="destructive" onConfirm={onDelete}>
            <Button variant="secondary" icon="trash-alt">
              Delete dump
            </Button>
          </ConfirmButton>
        )}
      </Stack>
      {deleteError && (
        <Alert severity="error" title="Could not delete the dump" onRemove={() => setDeleteError(undefined)}>
          {deleteError}
        </Alert>
      )}
      {uploadOpen && <DumpUpload id={`${id}-upload`} api={api} onUploaded={onUploaded} />}
      {picked && <DumpDetails id={`${id}-captured-at`} api={api} dump={picked} onChanged={() => dumps.reload()} />}
    </Stack>
  );
}

function describeDump(d: DumpInfo): string {
  const parts = [d.formatDescription || d.format, formatBytes(d.size)];
  if (d.source !== UPLOAD_SOURCE) {
    parts.push(d.source);
  }
  if (d.error) {
    parts.push(`unreadable: ${d.error}`);
  }
  return parts.join(' · ');
}
