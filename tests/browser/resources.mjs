// The data source's backend resources as the browser sees them through
// Grafana (/api/datasources/uid/<uid>/resources/...), answered in the shapes
// of pkg/plugin/resources.go (GET targets) and pkg/dumps/handler*.go (dumps,
// sources, whole and chunked uploads), with an in-memory store. Every call is
// recorded so a test can check what the editor sent.

import { createHash } from 'node:crypto';

/** The defaults of pkg/dumps: DefaultChunkSize and DefaultMaxRequestBytes. */
export const CHUNK_SIZE = 1 << 20;
const MAX_REQUEST_BYTES = 8 << 20;

const FORMATS = {
  'goroutine-text': { formatDescription: 'goroutine dump (debug=2)', profile: 'goroutine' },
  'crash-text': { formatDescription: 'crash or SIGQUIT output', profile: 'goroutine' },
  'goroutine-debug1': { formatDescription: 'goroutine profile (debug=1)', profile: 'goroutine' },
};

/**
 * Tells the text formats the tests upload apart by their first line; the
 * real detection (pkg/dumpformat) knows many more.
 */
function detect(bytes) {
  const firstLine = bytes.subarray(0, 256).toString('latin1').split('\n')[0];
  if (/^goroutine \d+ \[/.test(firstLine)) {
    return { format: 'goroutine-text' };
  }
  if (/^(SIGQUIT|panic|fatal error|unexpected signal)/.test(firstLine)) {
    return { format: 'crash-text', detail: firstLine };
  }
  return undefined;
}

/** A dump entry for stored bytes; a text dump carries no capture time, so the upload time stands in. */
function entryFor(name, bytes, uploader) {
  const found = detect(bytes);
  if (!found) {
    return undefined;
  }
  const now = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
  return {
    id: createHash('sha256').update(bytes).digest('hex'),
    source: 'upload',
    name,
    format: found.format,
    ...FORMATS[found.format],
    ...(found.detail ? { detail: found.detail } : {}),
    size: bytes.length,
    capturedAt: now,
    capturedFrom: 'upload',
    uploader,
    uploadedAt: now,
  };
}

/**
 * Returns { handle, calls, stored }: handle(req, res) answers the resource
 * requests of data source uid (for harness.serve), calls lists them as
 * { method, path, search, body } with the JSON or raw body, stored maps an
 * upload's id to its bytes.
 */
export function fakeResources({ uid, targets, dumps, uploader = 'admin' }) {
  const prefix = `/api/datasources/uid/${uid}/resources/`;
  const entries = [...dumps];
  const stored = new Map();
  const uploads = new Map();
  const calls = [];
  let nextUpload = 1;

  const store = (name, bytes) => {
    const entry = entryFor(name, bytes, uploader);
    if (!entry) {
      return [400, { error: `${name}: unrecognised data: not a Go dump, profile or trace` }];
    }
    const known = entries.find((e) => e.id === entry.id);
    if (known) {
      return [200, known];
    }
    entries.unshift(entry);
    stored.set(entry.id, bytes);
    return [201, entry];
  };

  const route = (method, path, query, body) => {
    if (method === 'GET' && path === 'targets') {
      return [200, targets.map(({ name, labels }) => ({ name, ...(labels ? { labels } : {}) }))];
    }
    if (method === 'GET' && path === 'dumps') {
      const source = query.get('source');
      const format = query.get('format');
      return [
        200,
        { dumps: entries.filter((e) => (!source || e.source === source) && (!format || e.format === format)) },
      ];
    }
    if (method === 'GET' && path === 'dumps/sources') {
      const dirs = [...new Set(dumps.map((d) => d.source).filter((s) => s.startsWith('dir:')))];
      const usedBytes = [...stored.values()].reduce((n, b) => n + b.length, 0);
      return [
        200,
        {
          sources: [
            { id: 'upload', name: 'uploads', kind: 'upload' },
            ...dirs.map((id) => ({ id, name: id.slice(4), kind: 'dir' })),
          ],
          formats: Object.entries(FORMATS).map(([id, f]) => ({
            id,
            description: f.formatDescription,
            profile: f.profile,
          })),
          usage: {
            dumps: stored.size,
            usedBytes,
            reservedBytes: 0,
            quotaBytes: 1 << 30,
            maxUploadBytes: 256 << 20,
          },
        },
      ];
    }
    if (method === 'POST' && path === 'dumps') {
      const name = query.get('name');
      return name ? store(name, body) : [400, { error: 'name the file: POST /dumps?name=<file name>' }];
    }
    if (method === 'POST' && path === 'dumps/uploads') {
      const { name, size } = JSON.parse(body.toString());
      const upload = { uploadId: `u${nextUpload++}`, name, size, received: 0, chunks: [] };
      uploads.set(upload.uploadId, upload);
      return [201, { ...describeUpload(upload), chunkSize: CHUNK_SIZE, maxRequestBytes: MAX_REQUEST_BYTES }];
    }
    const chunk = /^dumps\/uploads\/([^/]+)(\/finish)?$/.exec(path);
    const upload = chunk && uploads.get(decodeURIComponent(chunk[1]));
    if (chunk && !upload) {
      return [404, { error: `no upload ${chunk[1]}; it may have expired` }];
    }
    if (method === 'PUT' && chunk && !chunk[2]) {
      const offset = Number(query.get('offset'));
      if (offset !== upload.received) {
        return [
          409,
          {
            error: `chunk starts at byte ${offset} but ${upload.received} bytes have been received; resend from byte ${upload.received}`,
            received: upload.received,
          },
        ];
      }
      if (upload.received + body.length > upload.size) {
        return [413, { error: `the chunk goes past the declared size of ${upload.size} bytes` }];
      }
      upload.chunks.push(body);
      upload.received += body.length;
      return [200, describeUpload(upload)];
    }
    if (method === 'POST' && chunk && chunk[2]) {
      if (upload.received !== upload.size) {
        return [400, { error: `the upload is incomplete: ${upload.received} of ${upload.size} bytes received` }];
      }
      uploads.delete(upload.uploadId);
      return store(upload.name, Buffer.concat(upload.chunks));
    }
    if (method === 'DELETE' && chunk && !chunk[2]) {
      uploads.delete(upload.uploadId);
      return [204, undefined];
    }
    return [404, { error: `no such resource: /${path}` }];
  };

  const handle = async (req, res) => {
    const url = new URL(req.url, 'http://localhost');
    if (!url.pathname.startsWith(prefix)) {
      return false;
    }
    const parts = [];
    for await (const part of req) {
      parts.push(part);
    }
    const body = Buffer.concat(parts);
    const path = url.pathname.slice(prefix.length);
    const json = (req.headers['content-type'] || '').startsWith('application/json');
    calls.push({ method: req.method, path, search: url.search, body: json ? JSON.parse(body.toString()) : body });
    let status = 500;
    let answer;
    try {
      [status, answer] = route(req.method, path, url.searchParams, body);
    } catch (err) {
      answer = { error: String(err) };
    }
    res.writeHead(status, answer === undefined ? {} : { 'content-type': 'application/json' });
    res.end(answer === undefined ? undefined : JSON.stringify(answer) + '\n');
    return true;
  };

  return { handle, calls, stored };
}

function describeUpload({ uploadId, name, size, received }) {
  return { uploadId, name, size, received, expiresAt: new Date(Date.now() + 3600e3).toISOString() };
}
