import React, { useEffect, useRef, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Field, FileDropzone, FileDropzoneDefaultChildren, Stack, Text, useStyles2 } from '@grafana/ui';

import { PprofApi, toApiError } from '../../api';
import { DumpInfo } from '../../types';
import { uploadDumpFile, UploadProgress } from '../../upload';
import { formatBytes } from './format';

interface Props {
  id: string;
  api: PprofApi;
  onUploaded: (dump: DumpInfo) => void;
}

interface UploadState {
  fileName: string;
  progress: UploadProgress;
  running: boolean;
  error?: string;
}

/**
 * Drop zone and file picker that send a dump to the data source's store.
 * The backend detects the format; its refusal (too large, store full, not a
 * Go dump) is shown in its own words.
 */
export function DumpUpload({ id, api, onUploaded }: Props) {
  const styles = useStyles2(getStyles);
  const [state, setState] = useState<UploadState | undefined>();
  const abort = useRef<AbortController | undefined>(undefined);

  // Leaving the editor mid-upload stops sending.
  useEffect(() => () => abort.current?.abort(), []);

  const start = async (file: File | undefined) => {
    if (!file || abort.current) {
      return;
    }
    const controller = new AbortController();
    abort.current = controller;
    setState({ fileName: file.name, progress: { sent: 0, total: file.size }, running: true });
    try {
      const dump = await uploadDumpFile(
        api,
        file,
        (progress) => setState((s) => s && { ...s, progress }),
        controller.signal
      );
      setState(undefined);
      onUploaded(dump);
    } catch (err) {
      const message = controller.signal.aborted ? 'Upload cancelled' : toApiError(err).message;
      setState((s) => s && { ...s, running: false, error: message });
    } finally {
      abort.current = undefined;
    }
  };

  const percent =
    state && state.progress.total > 0 ? Math.floor((100 * state.progress.sent) / state.progress.total) : 0;

  return (
    <Field
      label="Upload a dump"
      htmlFor={id}
      description="Goroutine dumps, crash and SIGQUIT output, pprof profiles, execution traces"
    >
      <Stack direction="column" gap={1}>
        <FileDropzone
          id={id}
          options={{ multiple: false, disabled: state?.running, onDrop: (accepted: File[]) => start(accepted[0]) }}
          fileListRenderer={() => null}
        >
          <FileDropzoneDefaultChildren primaryText="Drop a dump here or click to choose a file" />
        </FileDropzone>
        {state?.running && (
          <div data-testid="dump-upload-status">
            <Stack alignItems="center" gap={1}>
              <Text>
                {state.fileName}: {formatBytes(state.progress.sent)} of {formatBytes(state.progress.total)}
              </Text>
              <Button size="sm" variant="secondary" fill="text" onClick={() => abort.current?.abort()}>
                Cancel upload
              </Button>
            </Stack>
            <div
              className={styles.track}
              role="progressbar"
              aria-label={`Uploading ${state.fileName}`}
              aria-valuemin={0}
              aria-valuemax={100}
              aria-valuenow={percent}
            >
              <div className={styles.bar} style={{ width: `${percent}%` }} />
            </div>
          </div>
        )}
        {/* A refused upload leaves only its reason: the progress of what was refused means nothing. */}
        {state?.error && (
          <Alert severity="error" title={`Upload of ${state.fileName} failed`} onRemove={() => setState(undefined)}>
            {state.error}
          </Alert>
        )}
      </Stack>
    </Field>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  track: css({
    height: theme.spacing(0.5),
    background: theme.colors.background.secondary,
    borderRadius: theme.shape.radius.default,
    margin: theme.spacing(0.5, 0, 1),
    overflow: 'hidden',
  }),
  bar: css({
    height: '100%',
    background: theme.colors.primary.main,
  }),
});
