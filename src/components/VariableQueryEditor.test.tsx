import React from 'react';
import { act, fireEvent, render, screen } from '@testing-library/react';

import { PprofApi } from '../api';
import { DataSource } from '../datasource';
import { fakeTemplateSrv, resourcePath, testLocator } from '../testing/fakes';
import { PprofVariableQuery } from '../types';
import { VariableQueryEditor } from './VariableQueryEditor';

jest.setTimeout(60000);

const mockBackend = { get: jest.fn(), post: jest.fn(), patch: jest.fn(), delete: jest.fn() };
const mockTemplateSrv = fakeTemplateSrv({});

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => mockBackend,
  getTemplateSrv: () => mockTemplateSrv,
}));

const datasource = { api: new PprofApi(testLocator) } as unknown as DataSource;

function renderEditor(query: PprofVariableQuery) {
  const onChange = jest.fn();
  render(<VariableQueryEditor datasource={datasource} query={query} onChange={onChange} onRunQuery={jest.fn()} />);
  return onChange;
}

async function choose(label: string, option: string | RegExp) {
  await act(async () => fireEvent.click(screen.getByRole('combobox', { name: label })));
  fireEvent.click(await screen.findByRole('option', { name: option }));
}

beforeEach(() => {
  jest.resetAllMocks();
  mockBackend.get.mockImplementation(async (url: string) => {
    switch (resourcePath(url)) {
      case 'targets':
        return [
          { name: 'api-1', labels: { env: 'prod', region: 'eu' } },
          { name: 'api-2', labels: { env: 'dev' } },
        ];
      case 'dumps/sources':
        return {
          sources: [
            { id: 'upload', name: 'uploads', kind: 'upload' },
            { id: 'dir:holmes', name: 'holmes', kind: 'dir' },
          ],
        };
    }
    throw new Error(`unexpected ${url}`);
  });
});

describe('VariableQueryEditor', () => {
  it('starts as a list of targets and switches kind', () => {
    const onChange = renderEditor({ refId: 'v' } as PprofVariableQuery);

    expect(screen.getByRole('radio', { name: 'Targets' })).toBeChecked();
    fireEvent.click(screen.getByRole('radio', { name: 'Dump sources' }));

    expect(onChange).toHaveBeenCalledWith({ refId: 'v', kind: 'dumpSources' });
  });

  it('offers the label names of the targets for label values', async () => {
    const onChange = renderEditor({ refId: 'v', kind: 'labelValues' });

    await choose('Label', 'region');

    expect(onChange).toHaveBeenCalledWith({ refId: 'v', kind: 'labelValues', label: 'region' });
  });

  it('filters dumps by source and format', async () => {
    const onChange = renderEditor({ refId: 'v', kind: 'dumps' });

    await choose('Source', 'holmes');
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'v', kind: 'dumps', source: 'dir:holmes' });

    await choose('Format', 'Goroutine dump (debug=2)');
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'v', kind: 'dumps', format: 'goroutine-text' });

    await choose('Profile', 'goroutine');
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'v', kind: 'dumps', profile: 'goroutine' });
  });

  it('orders dump sources by the newest dump of a profile', async () => {
    const onChange = renderEditor({ refId: 'v', kind: 'dumpSources' });

    await choose('Profile', 'heap');
    expect(onChange).toHaveBeenLastCalledWith({ refId: 'v', kind: 'dumpSources', profile: 'heap' });
  });
});
