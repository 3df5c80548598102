import React, { useEffect, useRef, useState } from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Alert, Button, Field, FileDropzone, FileDropzoneDefaultChildren, Stack, Text, useStyles2 } from '@grafana/ui';

import { PprofApi, toApiError } from '../../api';
import { DumpInfo } from '../../types';
import { elfKind, uploadCorePair, uploadDumpFile, UploadProgress } from '../../upload';
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
 * Go dump) is shown in its own words. A core dump is read with the
 * executable that produced it: drop both together, or the core first and
 * then its executable when asked.
 */
export function DumpUpload({ id, api, onUploaded }: Props) {
  const styles = useStyles2(getStyles);
  const [state, setState] = useState<UploadState | undefined>();
  // A core dropped alone, waiting for its executable.
  const [pendingCore, setPendingCore] = useState<File | undefined>();
  const abort = useRef<AbortController | undefined>(undefined);

  // Leaving the editor mid-upload stops sending.
  useEffect(() => () => abort.current?.abort(), []);

  const onDrop = async (files: File[]) => {
    if (abort.current || files.length === 0) {
      return;
    }
    const kinds = await Promise.all(files.map((f) => elfKind(f)));
    const core = pendingCore ?? files[kinds.indexOf('core')];
    const executable = files[kinds.indexOf('executable')];
    if (core && !executable) {
      setState(undefined);
      setPendingCore(core);
      return;
    }
    if (!core && executable) {
      setState({
        fileName: executable.name,
        progress: { sent: 0, total: 0 },
        running: false,
        error: 'This is an executable, not a dump. To read a core dump, drop the core and this executable together.',
      });
      return;
    }
    setPendingCore(undefined);
    if (core && executable) {
      start(core.name, core.size + executable.size, (onProgress, signal) =>
        uploadCorePair(api, core, executable, onProgress, signal)
      );
      return;
    }
    start(files[0].name, files[0].size, (onProgress, signal) => uploadDumpFile(api, files[0], onProgress, signal));
  };

  const start = async (
    fileName: string,
    total: number,
    send: (onProgress: (p: UploadProgress) => void, signal: AbortSignal) => Promise<DumpInfo>
  ) => {
    const controller = new AbortController();
    abort.current = controller;
    setState({ fileName, progress: { sent: 0, total }, running: true });
    try {
      const dump = await send((progress) => setState((s) => s && { ...s, progress }), controller.signal);
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
      description="Goroutine dumps, crash output, profiles, traces, core dumps with executable"
    >
      <Stack direction="column" gap={1}>
        <FileDropzone
          id={id}
          options={{
            multiple: true,
            maxFiles: 2,
            disabled: state?.running,
            onDrop: (accepted: File[]) => onDrop(accepted),
          }}
          fileListRenderer={() => null}
        >
          <FileDropzoneDefaultChildren
            primaryText={
              pendingCore
                ? `Now drop the executable that wrote ${pendingCore.name}`
                : 'Drop a dump (or a core dump with its executable) here or click to choose'
            }
          />
        </FileDropzone>
        {pendingCore && !state?.running && (
          <Alert
            severity="info"
            title={`${pendingCore.name} is a core dump`}
            onRemove={() => setPendingCore(undefined)}
            data-testid="core-needs-executable"
          >
            A core dump is read with the executable that produced it, as built (not stripped). Drop or choose that
            executable to upload both.
          </Alert>
        )}
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
