import { ApiError, PprofApi } from './api';
import { DumpInfo } from './types';

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
  const { uploadId, chunkSize } = await api.startUpload(file.name, total);
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
    return await api.finishUpload(uploadId);
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
