import React, { useState } from 'react';
import { dateTime } from '@grafana/data';
import { InlineField, Stack, Text } from '@grafana/ui';

import { PprofApi, toApiError } from '../../api';
import { DumpInfo, UPLOAD_SOURCE } from '../../types';
import { CommitInput } from '../common/CommitInput';
import { QUERY_LABEL_WIDTH } from '../layout';
import { formatBytes, formatTime } from './format';

interface Props {
  /** The capture time field's id. */
  id: string;
  api: PprofApi;
  dump: DumpInfo;
  onChanged: (dump: DumpInfo) => void;
}

const CAPTURED_FROM: Record<string, string> = {
  content: 'recorded in the dump',
  log: 'from the log lines before the newest dump in the file',
  name: 'from the file name',
  upload: 'the upload time; nothing in the dump says when it was taken',
  modified: "the file's modification time",
  user: 'set by hand',
};

/** What the store knows of the picked dump; an upload's capture time can be corrected. */
export function DumpDetails({ id, api, dump, onChanged }: Props) {
  const [error, setError] = useState<string | undefined>();
  const editable = dump.source === UPLOAD_SOURCE;

  const saveCaptureTime = async (text: string) => {
    const trimmed = text.trim();
    const parsed = dateTime(trimmed);
    if (trimmed && !parsed.isValid()) {
      setError('Enter a date and time such as 2026-01-21T10:30:15Z, or nothing to use the detected time');
      return;
    }
    try {
      onChanged(await api.setCaptureTime(dump.id, trimmed ? parsed.toISOString() : null));
      setError(undefined);
    } catch (err) {
      setError(toApiError(err).message);
    }
  };

  const facts = [
    dump.formatDescription || dump.format,
    formatBytes(dump.size),
    dump.snapshotCount && `${dump.snapshotCount} snapshots`,
    dump.uploadedAt && `uploaded ${formatTime(dump.uploadedAt)}${dump.uploader ? ` by ${dump.uploader}` : ''}`,
  ].filter(Boolean);
  const capturedFrom = dump.capturedFrom ? CAPTURED_FROM[dump.capturedFrom] : undefined;

  return (
    <Stack direction="column" gap={0}>
      <Text color="secondary" variant="bodySmall" data-testid="dump-details">
        {facts.join(' · ')}
      </Text>
      {dump.detail && (
        <Text color="secondary" variant="bodySmall">
          {dump.detail}
        </Text>
      )}
      {dump.error && (
        <Text color="error" variant="bodySmall">
          {dump.error}
        </Text>
      )}
      {editable ? (
        <InlineField
          label="Captured at"
          labelWidth={QUERY_LABEL_WIDTH}
          tooltip={`History and annotations place the dump at this time${capturedFrom ? ` (${capturedFrom})` : ''}. Correct it here; clear it to go back to the detected time.`}
          invalid={Boolean(error)}
          error={error}
        >
          <CommitInput id={id} value={dump.capturedAt} onCommit={saveCaptureTime} width={32} />
        </InlineField>
      ) : (
        <Text color="secondary" variant="bodySmall">
          Captured {formatTime(dump.capturedAt)}
          {capturedFrom ? ` (${capturedFrom})` : ''}
        </Text>
      )}
    </Stack>
  );
}
