import React from 'react';
import { act, fireEvent, render, screen, waitFor } from '@testing-library/react';

import { PprofApi } from '../../api';
import { fakeResponse, fetchError, RESOURCES, resourcePath, testLocator } from '../../testing/fakes';
import { DumpUpload } from './DumpUpload';

const mockBackend = { get: jest.fn(), post: jest.fn(), patch: jest.fn(), delete: jest.fn() };

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => mockBackend,
}));

const MiB = 1 << 20;
const fetchMock = jest.fn();
const stored = { id: 'sha256-abc', name: 'goroutine.txt', source: 'upload', format: 'goroutine-text', size: 2.5 * MiB };

function dumpFile(size: number, name = 'goroutine.txt'): File {
  return new File([new Uint8Array(size)], name);
}

function drop(...files: File[]) {
  fireEvent.change(screen.getByLabelText(/^Upload a dump/), { target: { files } });
}

/** An ELF file of a type (2 executable, 4 core) and size, as Linux writes them. */
function elfFile(type: number, size: number, name: string): File {
  const bytes = new Uint8Array(size);
  bytes.set([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1]);
  bytes[16] = type;
  return new File([bytes], name, { lastModified: 1764950400000 });
}

function renderUpload() {
  const onUploaded = jest.fn();
  render(<DumpUpload id="upload" api={new PprofApi(testLocator)} onUploaded={onUploaded} />);
  return onUploaded;
}

beforeEach(() => {
  jest.resetAllMocks();
  global.fetch = fetchMock;
  mockBackend.post.mockImplementation(async (url: string, body: unknown) => {
    switch (resourcePath(url)) {
      case 'dumps/uploads':
        return {
          uploadId: 'u1',
          name: (body as { name: string }).name,
          size: 0,
          received: 0,
          chunkSize: MiB,
          maxRequestBytes: 8 * MiB,
        };
      case 'dumps/uploads/u1/finish':
        return stored;
    }
    throw new Error(`unexpected POST ${url}`);
  });
  mockBackend.delete.mockResolvedValue(undefined);
});

describe('DumpUpload', () => {
  it('sends a large file in chunks at increasing offsets, showing progress, then finishes the upload', async () => {
    let releaseSecond: () => void = () => undefined;
    fetchMock.mockImplementation((url: string) => {
      if (url.endsWith('offset=1048576')) {
        return new Promise((resolve) => {
          releaseSecond = () => resolve(fakeResponse(200, { uploadId: 'u1', received: 2 * MiB }));
        });
      }
      return Promise.resolve(fakeResponse(200, { uploadId: 'u1' }));
    });
    const onUploaded = renderUpload();

    drop(dumpFile(2.5 * MiB));

    await waitFor(() => expect(fetchMock).toHaveBeenCalledTimes(2));
    expect(mockBackend.post).toHaveBeenCalledWith(
      `${RESOURCES}dumps/uploads`,
      { name: 'goroutine.txt', size: 2.5 * MiB },
      { showErrorAlert: false }
    );
    // The first chunk is in, the second in flight: 1 MiB of 2.5.
    const bar = screen.getByRole('progressbar', { name: 'Uploading goroutine.txt' });
    expect(bar).toHaveAttribute('aria-valuenow', '40');
    expect(screen.getByTestId('dump-upload-status')).toHaveTextContent(/goroutine\.txt: 1 MiB of 2\.50 MiB/);

    await act(async () => releaseSecond());
    await waitFor(() => expect(onUploaded).toHaveBeenCalledWith(stored));

    const calls = fetchMock.mock.calls.map(([url, init]) => [resourcePath(url), init.method, (init.body as Blob).size]);
    expect(calls).toEqual([
      ['dumps/uploads/u1?offset=0', 'PUT', MiB],
      ['dumps/uploads/u1?offset=1048576', 'PUT', MiB],
      ['dumps/uploads/u1?offset=2097152', 'PUT', MiB / 2],
    ]);
    expect(fetchMock.mock.calls[0][1].headers['Content-Type']).toBe('application/octet-stream');
    expect(mockBackend.post).toHaveBeenLastCalledWith(`${RESOURCES}dumps/uploads/u1/finish`, undefined, {
      showErrorAlert: false,
    });
  });

  it('sends a small file in one request', async () => {
    fetchMock.mockResolvedValue(fakeResponse(201, { ...stored, name: 'heap.pb.gz', size: 4096 }));
    const onUploaded = renderUpload();

    drop(dumpFile(4096, 'heap.pb.gz'));

    await waitFor(() => expect(onUploaded).toHaveBeenCalled());
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0];
    expect(resourcePath(url)).toBe('dumps?name=heap.pb.gz');
    expect(init.method).toBe('POST');
    expect(mockBackend.post).not.toHaveBeenCalled();
  });

  it('shows the backend error text when the store is full (507)', async () => {
    mockBackend.post.mockRejectedValue(
      fetchError(507, { error: 'dump store is full: 1.9 GiB of 2 GiB used; delete dumps or raise the quota' })
    );
    renderUpload();

    drop(dumpFile(3 * MiB));

    expect(
      await screen.findByText('dump store is full: 1.9 GiB of 2 GiB used; delete dumps or raise the quota')
    ).toBeInTheDocument();
    expect(screen.getByText('Upload of goroutine.txt failed')).toBeInTheDocument();
    // Only the reason is left: no progress of the refused file.
    expect(screen.queryByTestId('dump-upload-status')).not.toBeInTheDocument();
    expect(screen.queryByRole('progressbar')).not.toBeInTheDocument();
  });

  it('shows the backend error text for a chunk refused as too large (413) and gives the upload up', async () => {
    fetchMock.mockResolvedValue(
      fakeResponse(413, {
        error: 'the request body is larger than 8 MiB; upload larger files in chunks (POST /dumps/uploads)',
      })
    );
    const onUploaded = renderUpload();

    drop(dumpFile(2 * MiB));

    expect(
      await screen.findByText(
        'the request body is larger than 8 MiB; upload larger files in chunks (POST /dumps/uploads)'
      )
    ).toBeInTheDocument();
    expect(mockBackend.delete).toHaveBeenCalledWith(`${RESOURCES}dumps/uploads/u1`, undefined, {
      showErrorAlert: false,
    });
    expect(onUploaded).not.toHaveBeenCalled();
  });

  it('names the status when a refusal has no body', async () => {
    fetchMock.mockResolvedValue(fakeResponse(413));
    renderUpload();

    drop(dumpFile(1000, 'small.txt'));

    expect(await screen.findByText('The file is larger than the data source accepts (HTTP 413)')).toBeInTheDocument();
  });

  it('stops when cancelled', async () => {
    fetchMock.mockImplementation(
      (_url: string, init: RequestInit) =>
        new Promise((_, reject) =>
          init.signal?.addEventListener('abort', () => reject(new DOMException('Aborted', 'AbortError')))
        )
    );
    renderUpload();

    drop(dumpFile(2 * MiB));
    fireEvent.click(await screen.findByRole('button', { name: 'Cancel upload' }));

    expect(await screen.findByText('Upload cancelled')).toBeInTheDocument();
    await waitFor(() =>
      expect(mockBackend.delete).toHaveBeenCalledWith(`${RESOURCES}dumps/uploads/u1`, undefined, {
        showErrorAlert: false,
      })
    );
  });

  describe('core dumps', () => {
    const coreEntry = { ...stored, id: 'sha256-core', name: 'core.4242', format: 'core' };

    beforeEach(() => {
      fetchMock.mockResolvedValue(fakeResponse(200, {}));
      mockBackend.post.mockImplementation(async (url: string, body: { kind?: string }) => {
        switch (resourcePath(url)) {
          case 'dumps/uploads':
            return { uploadId: body.kind === 'executable' ? 'x1' : 'c1', chunkSize: MiB, maxRequestBytes: 8 * MiB };
          case 'dumps/uploads/x1/finish':
            return { executable: { id: 'sha256-exe', name: 'server', size: 2 * MiB } };
          case 'dumps/uploads/c1/finish':
            return coreEntry;
        }
        throw new Error(`unexpected POST ${url}`);
      });
    });

    const expectPairSent = (onUploaded: jest.Mock) => {
      expect(onUploaded).toHaveBeenCalledWith(coreEntry);
      const begins = mockBackend.post.mock.calls.filter(([url]) => resourcePath(url) === 'dumps/uploads');
      expect(begins.map(([, body]) => body)).toEqual([
        { name: 'server', size: 2 * MiB, kind: 'executable' },
        { name: 'core.4242', size: 3 * MiB, executable: 'sha256-exe', modifiedAt: 1764950400000 },
      ]);
      const chunks = fetchMock.mock.calls.map(([url]) => resourcePath(url));
      expect(chunks).toEqual([
        'dumps/uploads/x1?offset=0',
        'dumps/uploads/x1?offset=1048576',
        'dumps/uploads/c1?offset=0',
        'dumps/uploads/c1?offset=1048576',
        'dumps/uploads/c1?offset=2097152',
      ]);
    };

    it('sends the executable, then the core naming it, when both are dropped together', async () => {
      const onUploaded = renderUpload();

      drop(elfFile(4, 3 * MiB, 'core.4242'), elfFile(2, 2 * MiB, 'server'));

      await waitFor(() => expect(onUploaded).toHaveBeenCalled());
      expectPairSent(onUploaded);
    });

    it('asks for the executable of a core dropped alone, then sends both', async () => {
      const onUploaded = renderUpload();

      drop(elfFile(4, 3 * MiB, 'core.4242'));

      expect(await screen.findByTestId('core-needs-executable')).toHaveTextContent(
        /read with the executable that produced it/
      );
      expect(mockBackend.post).not.toHaveBeenCalled();
      drop(elfFile(2, 2 * MiB, 'server'));

      await waitFor(() => expect(onUploaded).toHaveBeenCalled());
      expectPairSent(onUploaded);
      expect(screen.queryByTestId('core-needs-executable')).not.toBeInTheDocument();
    });

    it('says what to do with an executable dropped alone', async () => {
      renderUpload();

      drop(elfFile(2, 2 * MiB, 'server'));

      expect(await screen.findByText(/This is an executable, not a dump/)).toBeInTheDocument();
      expect(mockBackend.post).not.toHaveBeenCalled();
    });
  });
});
