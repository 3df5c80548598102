import { config, getBackendSrv, isFetchError } from '@grafana/runtime';

import { DumpInfo, DumpListFilter, DumpSource, TargetInfo, UploadKind, UploadSession } from './types';

// Every call to the backend's resources (pkg/plugin/resources.go and
// pkg/dumps/handler.go) goes through this module, so the paths and shapes
// live in one place. Errors come back as JSON {error} with a status; they
// become ApiError carrying the backend's own words, and Grafana's global
// error toast is suppressed because the editors show the message where it
// belongs.

/** The part of the data source this module needs: where its resources live. */
export interface ResourceLocator {
  buildResourcesDatasourceUrl(path: string): string;
}

export class ApiError extends Error {
  constructor(
    message: string,
    readonly status?: number,
    /** The parsed error body, e.g. {error, received} for a chunk at the wrong offset. */
    readonly body?: unknown
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const quiet = { showErrorAlert: false };

export class PprofApi {
  constructor(private readonly ds: ResourceLocator) {}

  listTargets(): Promise<TargetInfo[]> {
    return this.call(() => getBackendSrv().get<TargetInfo[]>(this.url('targets'), undefined, undefined, quiet));
  }

  listDumps(filter: DumpListFilter = {}): Promise<DumpInfo[]> {
    const params = omitEmpty({ source: filter.source, format: filter.format, profile: filter.profile });
    return this.call(async () => {
      const body = await getBackendSrv().get<{ dumps?: DumpInfo[] }>(this.url('dumps'), params, undefined, quiet);
      return body?.dumps ?? [];
    });
  }

  listDumpSources(): Promise<DumpSource[]> {
    return this.call(async () => {
      const body = await getBackendSrv().get<{ sources?: DumpSource[] }>(
        this.url('dumps/sources'),
        undefined,
        undefined,
        quiet
      );
      return body?.sources ?? [];
    });
  }

  getDump(id: string): Promise<DumpInfo> {
    return this.call(() =>
      getBackendSrv().get<DumpInfo>(this.url(`dumps/${encodeURIComponent(id)}`), undefined, undefined, quiet)
    );
  }

  /**
   * Corrects an uploaded dump's capture time (RFC 3339), for dumps whose
   * content and name carry none; null returns to the detected time.
   */
  setCaptureTime(id: string, capturedAt: string | null): Promise<DumpInfo> {
    return this.call(() =>
      getBackendSrv().patch<DumpInfo>(this.url(`dumps/${encodeURIComponent(id)}`), { capturedAt }, quiet)
    );
  }

  deleteDump(id: string): Promise<void> {
    return this.call(() => getBackendSrv().delete<void>(this.url(`dumps/${encodeURIComponent(id)}`), undefined, quiet));
  }

  startUpload(name: string, size: number, kind?: UploadKind): Promise<UploadSession> {
    return this.call(() =>
      getBackendSrv().post<UploadSession>(this.url('dumps/uploads'), { name, size, ...kind }, quiet)
    );
  }

  putChunk(uploadId: string, offset: number, chunk: Blob, signal?: AbortSignal): Promise<void> {
    const path = `dumps/uploads/${encodeURIComponent(uploadId)}?offset=${offset}`;
    return this.sendRaw('PUT', path, chunk, signal).then(() => undefined);
  }

  /** Gives up a chunked upload, releasing the space the store reserved for it. */
  abortUpload(uploadId: string): Promise<void> {
    return this.call(() =>
      getBackendSrv().delete<void>(this.url(`dumps/uploads/${encodeURIComponent(uploadId)}`), undefined, quiet)
    );
  }

  /** Ends an upload: a dump, or `{ executable }` for an executable. */
  finishUpload<T = DumpInfo>(uploadId: string): Promise<T> {
    return this.call(() =>
      getBackendSrv().post<T>(this.url(`dumps/uploads/${encodeURIComponent(uploadId)}/finish`), undefined, quiet)
    );
  }

  /** Stores a small file in one request. */
  uploadWhole(name: string, body: Blob, signal?: AbortSignal): Promise<DumpInfo> {
    return this.sendRaw('POST', `dumps?name=${encodeURIComponent(name)}`, body, signal) as Promise<DumpInfo>;
  }

  private url(path: string): string {
    return this.ds.buildResourcesDatasourceUrl(path);
  }

  private async call<T>(request: () => Promise<T>): Promise<T> {
    try {
      return await request();
    } catch (err) {
      throw toApiError(err);
    }
  }

  // Grafana's backendSrv serialises request bodies as JSON or form data, so
  // raw bytes go through fetch, with the same session cookie and organisation.
  private async sendRaw(method: string, path: string, body: Blob, signal?: AbortSignal): Promise<unknown> {
    const headers: Record<string, string> = { 'Content-Type': 'application/octet-stream' };
    const orgId = config.bootData?.user?.orgId;
    if (orgId) {
      headers['X-Grafana-Org-Id'] = String(orgId);
    }
    const response = await fetch(`${config.appSubUrl ?? ''}${this.url(path)}`, {
      method,
      body,
      headers,
      credentials: 'same-origin',
      signal,
    });
    const text = await response.text();
    const parsed = parseJSON(text);
    if (!response.ok) {
      throw new ApiError(
        messageOf(parsed) ?? (text.trim() || statusMessage(response.status, response.statusText)),
        response.status,
        parsed
      );
    }
    return parsed;
  }
}

export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) {
    return err;
  }
  if (isFetchError(err)) {
    return new ApiError(messageOf(err.data) ?? statusMessage(err.status, err.statusText), err.status, err.data);
  }
  if (err instanceof Error) {
    return new ApiError(err.message);
  }
  return new ApiError(String(err));
}

function messageOf(body: unknown): string | undefined {
  if (body && typeof body === 'object') {
    const { error, message } = body as { error?: unknown; message?: unknown };
    if (typeof error === 'string' && error) {
      return error;
    }
    if (typeof message === 'string' && message) {
      return message;
    }
  }
  return undefined;
}

function statusMessage(status: number, statusText?: string): string {
  switch (status) {
    case 413:
      return 'The file is larger than the data source accepts (HTTP 413)';
    case 507:
      return 'The dump store is full (HTTP 507)';
    default:
      return `HTTP ${status}${statusText ? ` ${statusText}` : ''}`;
  }
}

function parseJSON(text: string): unknown {
  if (!text) {
    return undefined;
  }
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function omitEmpty(params: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(params)) {
    if (v) {
      out[k] = v;
    }
  }
  return out;
}
