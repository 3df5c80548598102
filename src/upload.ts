import { ApiError, PprofApi } from './api';
import { DumpInfo, StoredExecutable, UploadKind } from './types';

/**
 * Files up to this size go in one request; larger ones in the chunks the
 * backend asks for. It stays within the backend's default chunk size, so a
 * reverse proxy that passes chunks passes these too.
 */
export const WHOLE_UPLOAD_MAX_BYTES = 1 << 20;

export interface UploadProgress {
  sent: number;
  total: number;
}

/**
 * Sends a file to the dump store. Large files go in chunks at the offsets
 * the backend checks, each below the message size limit between Grafana and
 * the plugin; progress is reported after each one. When the backend says it
 * holds a different number of bytes than sent (a chunk lost on the way), the
 * upload goes on from there. On failure or abort the upload is given up so
 * the store releases the space it reserved.
 */
export async function uploadDumpFile(
  api: PprofApi,
  file: File,
  onProgress: (p: UploadProgress) => void,
  signal?: AbortSignal
): Promise<DumpInfo> {
  const total = file.size;
  onProgress({ sent: 0, total });
  if (total <= WHOLE_UPLOAD_MAX_BYTES) {
    const dump = await api.uploadWhole(file.name, file, signal);
    onProgress({ sent: total, total });
    return dump;
  }
  return uploadChunked<DumpInfo>(api, file, undefined, onProgress, signal);
}

/**
 * Sends a core dump and the executable that produced it: the executable
 * first (stored once per build and shared by its cores), then the core
 * naming it, which the backend reads with it before keeping it. Progress
 * counts both files.
 */
export async function uploadCorePair(
  api: PprofApi,
  core: File,
  executable: File,
  onProgress: (p: UploadProgress) => void,
  signal?: AbortSignal
): Promise<DumpInfo> {
  const total = executable.size + core.size;
  const stored = await uploadChunked<{ executable: StoredExecutable }>(
    api,
    executable,
    { kind: 'executable' },
    (p) => onProgress({ sent: p.sent, total }),
    signal
  );
  return uploadChunked<DumpInfo>(
    api,
    core,
    { executable: stored.executable.id, modifiedAt: core.lastModified || undefined },
    (p) => onProgress({ sent: executable.size + p.sent, total }),
    signal
  );
}

/** The kind of ELF file a file is, from its header: a core dump, an executable, or neither. */
export async function elfKind(file: Blob): Promise<'core' | 'executable' | undefined> {
  const head = new Uint8Array(await readHead(file.slice(0, 18)));
  if (head.length < 18 || head[0] !== 0x7f || head[1] !== 0x45 || head[2] !== 0x4c || head[3] !== 0x46) {
    return undefined;
  }
  const type = head[5] === 2 ? (head[16] << 8) | head[17] : (head[17] << 8) | head[16];
  if (type === 4) {
    return 'core';
  }
  return type === 2 || type === 3 ? 'executable' : undefined;
}

function readHead(blob: Blob): Promise<ArrayBuffer> {
  if (typeof blob.arrayBuffer === 'function') {
    return blob.arrayBuffer();
  }
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () => resolve(reader.result as ArrayBuffer);
    reader.onerror = () => reject(reader.error);
    reader.readAsArrayBuffer(blob);
  });
}

async function uploadChunked<T>(
  api: PprofApi,
  file: File,
  kind: UploadKind | undefined,
  onProgress: (p: UploadProgress) => void,
  signal?: AbortSignal
): Promise<T> {
  const total = file.size;
  const { uploadId, chunkSize } = await api.startUpload(file.name, total, kind);
  try {
    if (!Number.isInteger(chunkSize) || chunkSize <= 0) {
      throw new ApiError(`The data source asked for an unusable chunk size (${chunkSize})`);
    }
    let offset = 0;
    while (offset < total) {
      stopIfAborted(signal);
      const end = Math.min(offset + chunkSize, total);
      try {
        await api.putChunk(uploadId, offset, file.slice(offset, end), signal);
      } catch (err) {
        const resumeAt = receivedBytes(err);
        if (resumeAt === undefined || resumeAt === offset || resumeAt > total) {
          throw err;
        }
        offset = resumeAt;
        continue;
      }
      offset = end;
      onProgress({ sent: offset, total });
    }
    stopIfAborted(signal);
    return await api.finishUpload<T>(uploadId);
  } catch (err) {
    api.abortUpload(uploadId).catch(() => undefined);
    throw err;
  }
}

/** The byte count a 409 answer to a chunk reports, if that is what err is. */
function receivedBytes(err: unknown): number | undefined {
  if (err instanceof ApiError && err.status === 409 && err.body && typeof err.body === 'object') {
    const received = (err.body as { received?: unknown }).received;
    return typeof received === 'number' ? received : undefined;
  }
  return undefined;
}

function stopIfAborted(signal: AbortSignal | undefined) {
  if (signal?.aborted) {
    throw new DOMException('The upload was aborted', 'AbortError');
  }
}
