import { ApiError, PprofApi } from './api';
import { uploadDumpFile } from './upload';

const MiB = 1 << 20;

function fakeApi(overrides: Partial<Record<keyof PprofApi, jest.Mock>>) {
  return {
    startUpload: jest.fn().mockResolvedValue({ uploadId: 'u1', chunkSize: MiB }),
    putChunk: jest.fn().mockResolvedValue(undefined),
    finishUpload: jest.fn().mockResolvedValue({ id: 'abc' }),
    abortUpload: jest.fn().mockResolvedValue(undefined),
    uploadWhole: jest.fn().mockResolvedValue({ id: 'small' }),
    ...overrides,
  } as unknown as PprofApi & Record<string, jest.Mock>;
}

describe('uploadDumpFile', () => {
  it('goes on from where the backend stands when it reports another offset (409)', async () => {
    const putChunk = jest
      .fn()
      .mockResolvedValueOnce(undefined)
      .mockRejectedValueOnce(
        new ApiError('chunk starts at byte 1048576 but 0 bytes have been received', 409, { received: 0 })
      )
      .mockResolvedValue(undefined);
    const api = fakeApi({ putChunk });
    const progress: number[] = [];

    await uploadDumpFile(api, new File([new Uint8Array(2 * MiB)], 'g.txt'), (p) => progress.push(p.sent));

    expect(putChunk.mock.calls.map((c) => c[1])).toEqual([0, MiB, 0, MiB]);
    expect(progress).toEqual([0, MiB, MiB, 2 * MiB]);
    expect(api.finishUpload).toHaveBeenCalledWith('u1');
  });

  it('gives up an upload that fails, so the store frees its space', async () => {
    const api = fakeApi({ putChunk: jest.fn().mockRejectedValue(new ApiError('dump store is full', 507)) });

    await expect(uploadDumpFile(api, new File([new Uint8Array(2 * MiB)], 'g.txt'), () => undefined)).rejects.toThrow(
      'dump store is full'
    );
    expect(api.abortUpload).toHaveBeenCalledWith('u1');
    expect(api.finishUpload).not.toHaveBeenCalled();
  });

  it('refuses a chunk size it cannot use', async () => {
    const api = fakeApi({ startUpload: jest.fn().mockResolvedValue({ uploadId: 'u1', chunkSize: 0 }) });

    await expect(uploadDumpFile(api, new File([new Uint8Array(2 * MiB)], 'g.txt'), () => undefined)).rejects.toThrow(
      'unusable chunk size'
    );
    expect(api.abortUpload).toHaveBeenCalledWith('u1');
  });
});
