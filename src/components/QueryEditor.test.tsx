import React, { useState } from 'react';
import { act, fireEvent, render, screen, waitFor, within } from '@testing-library/react';

import { PprofApi } from '../api';
import { DataSource } from '../datasource';
import { fakeTemplateSrv, fetchError, RESOURCES, resourcePath, testLocator } from '../testing/fakes';
import { PprofQuery } from '../types';
import { QueryEditor } from './QueryEditor';

// Grafana's Combobox renders slowly under jsdom, and the machine is shared.
jest.setTimeout(60000);

const mockBackend = { get: jest.fn(), post: jest.fn(), patch: jest.fn(), delete: jest.fn() };
const mockTemplateSrv = fakeTemplateSrv({ env: 'prod' });

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => mockBackend,
  getTemplateSrv: () => mockTemplateSrv,
}));

const datasource = {
  api: new PprofApi(testLocator),
  settings: { maxProfileSeconds: 60, maxTraceSeconds: 5 },
} as unknown as DataSource;

const TARGETS = [
  { name: 'api-1', labels: { env: 'prod' } },
  { name: 'api-2', labels: { env: 'staging' } },
];
const DUMPS = [
  {
    id: 'sha-a',
    name: 'incident.txt',
    source: 'upload',
    format: 'goroutine-text',
    formatDescription: 'goroutine dump',
    size: 2048,
    capturedAt: '2026-01-21T10:30:15Z',
    capturedFrom: 'name',
  },
  {
    id: 'dir:holmes:goroutine.1.log',
    name: 'goroutine.1.log',
    source: 'dir:holmes',
    format: 'goroutine-debug1',
    size: 1024,
  },
  {
    id: 'sha-log',
    name: 'service.log',
    source: 'upload',
    format: 'crash-text',
    formatDescription: 'crash or SIGQUIT output',
    size: 4096,
    capturedAt: '2026-12-06T05:06:52Z',
    capturedFrom: 'log',
    snapshotCount: 2,
    snapshots: [
      {
        index: 1,
        loggedAt: '2026-12-06T05:06:51Z',
        kind: 'crash',
        detail: 'panic: database unreachable',
        goroutines: 3,
      },
      { index: 2, loggedAt: '2026-12-06T05:06:52Z', kind: 'crash', detail: 'SIGQUIT: quit', goroutines: 14 },
    ],
  },
];

function serveResources() {
  mockBackend.get.mockImplementation(async (url: string) => {
    switch (resourcePath(url)) {
      case 'targets':
        return TARGETS;
      case 'dumps':
        return { dumps: DUMPS };
      case 'dumps/sources':
        return {
          sources: [
            { id: 'upload', name: 'uploads', kind: 'upload' },
            { id: 'dir:holmes', name: 'holmes', kind: 'dir' },
          ],
        };
    }
    throw fetchError(404, { error: `no such resource: ${url}` });
  });
}

/** Renders the editor as Grafana does, feeding each change back in as the new query, and lets its lists load. */
async function renderEditor(initial: PprofQuery) {
  const onRunQuery = jest.fn();
  const latest = { current: initial };
  function Harness() {
    const [query, setQuery] = useState(initial);
    return (
      <QueryEditor
        datasource={datasource}
        query={query}
        onRunQuery={onRunQuery}
        onChange={(next) => {
          latest.current = next;
          setQuery(next);
        }}
      />
    );
  }
  await act(async () => {
    render(<Harness />);
  });
  return { latest, onRunQuery };
}

async function choose(label: string | RegExp, option: string | RegExp) {
  const input = screen.getByRole('combobox', { name: label });
  // A multi-select stays open after a choice; clicking again would close it.
  if (input.getAttribute('aria-expanded') !== 'true') {
    await act(async () => fireEvent.click(input));
  }
  fireEvent.click(await screen.findByRole('option', { name: option }));
}

function typeAndLeave(label: string | RegExp, value: string) {
  const input = screen.getByLabelText(label);
  fireEvent.change(input, { target: { value } });
  fireEvent.blur(input);
}

beforeEach(() => {
  jest.resetAllMocks();
  serveResources();
});

describe('QueryEditor', () => {
  it('offers the configured targets, all targets and variables, and runs the chosen one', async () => {
    const { latest, onRunQuery } = await renderEditor({ refId: 'A', queryType: 'metrics', target: '*' });
    await waitFor(() =>
      expect(mockBackend.get).toHaveBeenCalledWith(`${RESOURCES}targets`, undefined, undefined, {
        showErrorAlert: false,
      })
    );

    const input = screen.getByRole('combobox', { name: 'Target' });
    await act(async () => fireEvent.click(input));
    const options = (await screen.findAllByRole('option')).map((o) => o.textContent);
    expect(options).toEqual(['All targetsEvery configured target', 'api-1env=prod', 'api-2env=staging', '$env']);

    fireEvent.click(screen.getByRole('option', { name: /^api-2/ }));
    expect(latest.current).toEqual({ refId: 'A', queryType: 'metrics', target: 'api-2' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('accepts a regular expression typed as the target', async () => {
    const { latest } = await renderEditor({ refId: 'A', queryType: 'metrics', target: '*' });
    const input = screen.getByLabelText('Target');
    await act(async () => fireEvent.click(input));
    await act(async () => fireEvent.change(input, { target: { value: 'api-.*' } }));

    fireEvent.click(await screen.findByRole('option', { name: /Regular expression over target names/ }));
    expect(latest.current.target).toBe('api-.*');
  });

  it('shows why the targets could not be listed', async () => {
    mockBackend.get.mockRejectedValue(
      fetchError(500, { error: 'the data source settings are invalid: target "a": a name is required' })
    );
    await renderEditor({ refId: 'A', queryType: 'metrics', target: '*' });

    expect(
      await screen.findByText(
        'Could not list targets: the data source settings are invalid: target "a": a name is required'
      )
    ).toBeInTheDocument();
  });

  it('picks a metric and a view for metrics queries', async () => {
    const { latest } = await renderEditor({ refId: 'A', queryType: 'metrics', target: '*' });

    fireEvent.click(screen.getByRole('radio', { name: 'Series' }));
    await choose('Metric', /^goroutines(?!_)/);

    expect(latest.current).toEqual({
      refId: 'A',
      queryType: 'metrics',
      target: '*',
      view: 'series',
      metric: 'goroutines',
    });
  });

  it('switches query type, keeping the source where it still applies', async () => {
    const { latest, onRunQuery } = await renderEditor({
      refId: 'A',
      queryType: 'metrics',
      target: 'api-1',
      metric: 'up',
      view: 'current',
    });

    // Each query type loads the lists it offers; let them arrive.
    await act(async () => fireEvent.click(screen.getByRole('radio', { name: 'Goroutines' })));
    expect(latest.current).toEqual({ refId: 'A', queryType: 'goroutines', target: 'api-1' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    await act(async () => fireEvent.click(screen.getByRole('radio', { name: 'Dumps' })));
    expect(latest.current).toEqual({ refId: 'A', queryType: 'dumps' });

    await act(async () => fireEvent.click(screen.getByRole('radio', { name: 'Profile' })));
    expect(latest.current).toEqual({ refId: 'A', queryType: 'profile', target: '*' });
  });

  it('builds the goroutine filter, running once per finished change', async () => {
    const { latest, onRunQuery } = await renderEditor({ refId: 'A', queryType: 'goroutines', target: 'api-1' });

    fireEvent.click(screen.getByRole('radio', { name: 'Groups' }));
    await choose('States', 'Channel');
    await choose('States', 'Select');
    fireEvent.change(screen.getByLabelText('Include'), { target: { value: 'myapp/' } });
    const runsWhileTyping = onRunQuery.mock.calls.length;
    fireEvent.blur(screen.getByLabelText('Include'));
    typeAndLeave('Exclude', 'grpc\\.');
    typeAndLeave('Not created by', 'worker\\.Start');
    typeAndLeave('Min wait (min)', '5');
    fireEvent.click(screen.getByLabelText('Hide runtime'));

    expect(latest.current).toEqual({
      refId: 'A',
      queryType: 'goroutines',
      target: 'api-1',
      view: 'groups',
      filter: {
        states: ['channel', 'select'],
        include: 'myapp/',
        exclude: 'grpc\\.',
        excludeCreatedBy: 'worker\\.Start',
        minWaitMinutes: 5,
        hideRuntime: true,
      },
    });
    expect(runsWhileTyping).toBe(3);
    expect(onRunQuery).toHaveBeenCalledTimes(8);
  });

  it('drops a cleared filter field from the query', async () => {
    const { latest } = await renderEditor({
      refId: 'A',
      queryType: 'goroutines',
      filter: { include: 'myapp/', minWaitMinutes: 2 },
    });

    typeAndLeave('Include', '');
    typeAndLeave('Min wait (min)', '');

    expect(latest.current.filter).toEqual({});
  });

  it('reads a dump: the query waits for a dump to be picked, then runs on it', async () => {
    const { latest, onRunQuery } = await renderEditor({
      refId: 'A',
      queryType: 'goroutines',
      target: 'api-1',
      view: 'states',
    });

    fireEvent.click(screen.getByRole('radio', { name: 'Dump' }));
    expect(latest.current).toEqual({ refId: 'A', queryType: 'goroutines', view: 'states', dump: '' });
    expect(onRunQuery).not.toHaveBeenCalled();

    await waitFor(() => expect(screen.getByRole('combobox', { name: 'Dump' })).not.toBeDisabled());
    await choose('Dump', /^incident\.txt/);

    expect(latest.current).toEqual({ refId: 'A', queryType: 'goroutines', view: 'states', dump: 'sha-a' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(screen.getByTestId('dump-details')).toHaveTextContent('goroutine dump · 2 KiB');
  });

  it('reads the newest dump of a source captured in the time range', async () => {
    const { latest, onRunQuery } = await renderEditor({ refId: 'A', queryType: 'goroutines', target: 'api-1' });

    fireEvent.click(screen.getByRole('radio', { name: 'Latest dump' }));
    expect(latest.current).toEqual({ refId: 'A', queryType: 'goroutines', dumpSource: '' });
    expect(onRunQuery).not.toHaveBeenCalled();

    await choose('Dump source', /^holmes/);
    expect(latest.current).toEqual({ refId: 'A', queryType: 'goroutines', dumpSource: 'dir:holmes' });
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    // Switching to a profile keeps reading that source.
    await act(async () => fireEvent.click(screen.getByRole('radio', { name: 'Profile' })));
    expect(latest.current).toEqual({ refId: 'A', queryType: 'profile', dumpSource: 'dir:holmes' });
  });

  it('picks one snapshot of a dump that holds several', async () => {
    const { latest } = await renderEditor({ refId: 'A', queryType: 'goroutines', dump: 'sha-log' });
    await waitFor(() => expect(screen.getByTestId('dump-details')).toHaveTextContent('2 snapshots'));

    await choose('Snapshot', /^1 of 2/);
    expect(latest.current).toEqual({ refId: 'A', queryType: 'goroutines', dump: 'sha-log', snapshot: '1' });

    // Another dump starts again from its newest snapshot.
    await choose('Dump', /^incident\.txt/);
    expect(latest.current).toEqual({ refId: 'A', queryType: 'goroutines', dump: 'sha-a' });
  });

  it('reads live targets without a snapshot field', async () => {
    await renderEditor({ refId: 'A', queryType: 'goroutines', target: '*' });
    expect(screen.queryByRole('combobox', { name: 'Snapshot' })).not.toBeInTheDocument();
  });

  it('adds per-category counts to the count view', async () => {
    const { latest } = await renderEditor({ refId: 'A', queryType: 'goroutines', target: '*' });

    fireEvent.click(screen.getByLabelText('Per category'));
    expect(latest.current).toEqual({ refId: 'A', queryType: 'goroutines', target: '*', perCategory: true });

    fireEvent.click(screen.getByLabelText('Total'));
    expect(latest.current).toEqual({
      refId: 'A',
      queryType: 'goroutines',
      target: '*',
      perCategory: true,
      total: false,
    });
    fireEvent.click(screen.getByLabelText('Total'));
    expect(latest.current).toEqual({ refId: 'A', queryType: 'goroutines', target: '*', perCategory: true });

    // Without the categories there is only the total, which stays.
    fireEvent.click(screen.getByLabelText('Total'));
    fireEvent.click(screen.getByLabelText('Per category'));
    expect(latest.current).toEqual({ refId: 'A', queryType: 'goroutines', target: '*' });
    expect(screen.queryByLabelText('Total')).not.toBeInTheDocument();

    fireEvent.click(screen.getByRole('radio', { name: 'Groups' }));
    expect(screen.queryByLabelText('Per category')).not.toBeInTheDocument();
  });

  it('keeps goroutines locked to threads, in dumps but not in traces', async () => {
    const { latest } = await renderEditor({ refId: 'A', queryType: 'goroutines', target: '*' });
    fireEvent.click(screen.getByLabelText('Locked to thread'));
    expect(latest.current.filter).toEqual({ lockedToThread: true });

    fireEvent.click(screen.getByRole('radio', { name: 'Trace' }));
    expect(screen.queryByLabelText('Locked to thread')).not.toBeInTheDocument();
  });

  it('deletes the picked upload after confirmation', async () => {
    mockBackend.delete.mockResolvedValue(undefined);
    const { latest } = await renderEditor({ refId: 'A', queryType: 'goroutines', dump: 'sha-a' });
    await screen.findByTestId('dump-details');

    fireEvent.click(screen.getByRole('button', { name: 'Delete dump' }));
    fireEvent.click(screen.getByRole('button', { name: 'Delete' }));

    await waitFor(() =>
      expect(mockBackend.delete).toHaveBeenCalledWith(`${RESOURCES}dumps/sha-a`, undefined, { showErrorAlert: false })
    );
    expect(latest.current.dump).toBe('');
  });

  it('offers no delete for a read-only directory dump', async () => {
    await renderEditor({ refId: 'A', queryType: 'goroutines', dump: 'dir:holmes:goroutine.1.log' });
    await screen.findByText(/Captured/);

    expect(screen.queryByRole('button', { name: 'Delete dump' })).not.toBeInTheDocument();
  });

  it('corrects the capture time of an upload, and clears it back to the detected time', async () => {
    mockBackend.patch.mockResolvedValue(DUMPS[0]);
    await renderEditor({ refId: 'A', queryType: 'goroutines', dump: 'sha-a' });
    await screen.findByTestId('dump-details');

    typeAndLeave('Captured at', '2026-01-21T09:00:00Z');
    await waitFor(() =>
      expect(mockBackend.patch).toHaveBeenCalledWith(
        `${RESOURCES}dumps/sha-a`,
        { capturedAt: '2026-01-21T09:00:00.000Z' },
        { showErrorAlert: false }
      )
    );

    typeAndLeave('Captured at', '');
    await waitFor(() =>
      expect(mockBackend.patch).toHaveBeenLastCalledWith(
        `${RESOURCES}dumps/sha-a`,
        { capturedAt: null },
        { showErrorAlert: false }
      )
    );
  });

  it('sets profile options, with seconds only for CPU profiles', async () => {
    const { latest } = await renderEditor({ refId: 'A', queryType: 'profile', target: 'api-1' });
    expect(screen.queryByLabelText('Seconds')).not.toBeInTheDocument();

    await choose('Profile type', 'cpu');
    typeAndLeave('Seconds', '10');
    fireEvent.click(screen.getByRole('radio', { name: 'Top' }));
    // The rarely used options are folded away until asked for.
    expect(screen.queryByLabelText('Focus')).not.toBeInTheDocument();
    fireEvent.click(screen.getByRole('button', { name: 'Options none set' }));
    typeAndLeave('Focus', 'myapp\\.');
    typeAndLeave('Max nodes', '500');
    fireEvent.click(screen.getByLabelText('By line'));
    typeAndLeave('Node fraction', '0');

    expect(latest.current).toEqual({
      refId: 'A',
      queryType: 'profile',
      target: 'api-1',
      view: 'top',
      profile: { profileType: 'cpu', seconds: 10, focus: 'myapp\\.', maxNodes: 500, byLine: true, nodeFraction: 0 },
    });

    // Folded again, the row names what is set.
    fireEvent.click(screen.getByRole('button', { name: /^Options/ }));
    expect(
      screen.getByRole('button', { name: 'Options Focus: myapp\\. · Max nodes: 500 · By line · Node fraction: 0' })
    ).toBeVisible();
  });

  it('opens the options of a saved query whose node limit is wrong', async () => {
    await renderEditor({ refId: 'A', queryType: 'profile', profile: { maxNodes: 0 } });

    expect(screen.getByText('A whole number, 1 or more')).toBeInTheDocument();
  });

  it('offers the node fraction for top tables only, and checks it', async () => {
    await renderEditor({ refId: 'A', queryType: 'profile', view: 'flamegraph', profile: { nodeFraction: 0.01 } });
    expect(screen.queryByLabelText('Node fraction')).not.toBeInTheDocument();

    await renderEditor({ refId: 'B', queryType: 'profile', view: 'top', profile: { nodeFraction: 2 } });
    expect(screen.getByText('A fraction from 0 up to 1')).toBeInTheDocument();
  });

  it('flags a CPU profile longer than the data source allows', async () => {
    await renderEditor({ refId: 'A', queryType: 'profile', profile: { profileType: 'cpu', seconds: 120 } });

    expect(screen.getByText('A whole number from 1 to 60')).toBeInTheDocument();
  });

  it('sets trace options per view: kind for blocking, goroutines for the timeline', async () => {
    const { latest, onRunQuery } = await renderEditor({ refId: 'A', queryType: 'trace', target: 'api-1' });
    expect(screen.queryByLabelText('Kind')).not.toBeInTheDocument();
    expect(screen.queryByLabelText('Min wait (min)')).not.toBeInTheDocument();

    fireEvent.click(screen.getByRole('radio', { name: 'Blocking' }));
    await choose('Kind', /^sched/);
    typeAndLeave('Seconds', '3');
    expect(latest.current).toEqual({
      refId: 'A',
      queryType: 'trace',
      target: 'api-1',
      view: 'blocking',
      trace: { kind: 'sched', seconds: 3 },
    });

    fireEvent.click(screen.getByRole('radio', { name: 'Timeline' }));
    expect(screen.queryByLabelText('Kind')).not.toBeInTheDocument();
    typeAndLeave('Top goroutines', '8');
    fireEvent.click(screen.getByLabelText('Hide runtime'));
    expect(latest.current.trace).toEqual({ kind: 'sched', seconds: 3, goroutines: 8 });
    expect(latest.current.filter).toEqual({ hideRuntime: true });
    expect(onRunQuery).toHaveBeenCalled();
  });

  it('counts states at instants', async () => {
    const { latest } = await renderEditor({ refId: 'A', queryType: 'trace', dump: 'sha-t' });
    typeAndLeave('At', '2026-12-06T10:00:00.5Z, 2026-12-06T10:00:01Z');
    expect(latest.current.trace).toEqual({ at: ['2026-12-06T10:00:00.5Z', '2026-12-06T10:00:01Z'] });
    typeAndLeave('At', '');
    expect(latest.current.trace).toEqual({});
  });

  it('flags a trace longer than the data source allows', async () => {
    await renderEditor({ refId: 'A', queryType: 'trace', trace: { seconds: 30 } });

    expect(screen.getByText('A whole number from 1 to 5')).toBeInTheDocument();
  });

  it('reads an uploaded trace', async () => {
    const { latest } = await renderEditor({ refId: 'A', queryType: 'trace', view: 'goroutines', dump: '' });
    fireEvent.click(screen.getByLabelText('Per goroutine'));
    expect(latest.current).toEqual({
      refId: 'A',
      queryType: 'trace',
      view: 'goroutines',
      dump: '',
      trace: { perGoroutine: true },
    });
  });

  it('filters and groups by pprof labels', async () => {
    const { latest } = await renderEditor({ refId: 'A', queryType: 'profile', target: 'api-1', view: 'labels' });
    expect(screen.getByText('The labels view needs a label to group by')).toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: /^Options/ }));
    fireEvent.click(screen.getByRole('button', { name: 'Add label filter' }));
    fireEvent.change(screen.getByLabelText('pprof label 1 name'), { target: { value: 'region' } });
    typeAndLeave('pprof label 1 value', 'eu');
    typeAndLeave('Group by', 'handler');

    expect(latest.current.profile).toEqual({ labelFilter: { region: 'eu' }, groupBy: 'handler' });
  });

  it('diffs against a baseline dump, running only once the baseline is picked', async () => {
    const { latest, onRunQuery } = await renderEditor({
      refId: 'A',
      queryType: 'profile',
      target: 'api-1',
      profile: { profileType: 'heap' },
    });

    fireEvent.click(screen.getByLabelText('Compare with a baseline'));
    expect(latest.current.profile).toEqual({ profileType: 'heap', baseline: { target: '' } });
    const baseline = within(screen.getByRole('radiogroup', { name: /Baseline/ }).parentElement!.parentElement!);
    fireEvent.click(baseline.getByRole('radio', { name: 'Dump' }));
    expect(latest.current.profile?.baseline).toEqual({ dump: '' });
    expect(onRunQuery).not.toHaveBeenCalled();

    await waitFor(() => expect(screen.getByRole('combobox', { name: 'Dump' })).not.toBeDisabled());
    await choose('Dump', /^incident\.txt/);

    expect(latest.current.profile).toEqual({ profileType: 'heap', baseline: { dump: 'sha-a' } });
    expect(onRunQuery).toHaveBeenCalledTimes(1);
  });

  it('compares the growth view with the previous snapshot or a chosen dump', async () => {
    const { latest, onRunQuery } = await renderEditor({
      refId: 'A',
      queryType: 'goroutines',
      dumpSource: 'capture:api-1',
      view: 'growth',
    });

    expect(screen.getByRole('radio', { name: 'Previous snapshot' })).toBeChecked();
    fireEvent.click(screen.getByRole('radio', { name: 'Stored dump' }));
    expect(latest.current.baseline).toEqual({ dump: '' });
    expect(onRunQuery).not.toHaveBeenCalled();

    await waitFor(() => expect(screen.getByRole('combobox', { name: 'Baseline dump' })).not.toBeDisabled());
    await choose('Baseline dump', /^incident\.txt/);
    expect(latest.current).toEqual({
      refId: 'A',
      queryType: 'goroutines',
      dumpSource: 'capture:api-1',
      view: 'growth',
      baseline: { dump: 'sha-a' },
    });
    expect(onRunQuery).toHaveBeenCalledTimes(1);

    fireEvent.click(screen.getByRole('radio', { name: 'Previous snapshot' }));
    expect(latest.current.baseline).toBeUndefined();
    expect(onRunQuery).toHaveBeenCalledTimes(2);

    fireEvent.click(screen.getByRole('radio', { name: 'Groups' }));
    expect(screen.queryByRole('radio', { name: 'Previous snapshot' })).not.toBeInTheDocument();
  });

  it('diffs a profile against the previous snapshot of its source', async () => {
    const { latest, onRunQuery } = await renderEditor({
      refId: 'A',
      queryType: 'profile',
      dumpSource: 'capture:api-1',
      profile: { profileType: 'heap' },
    });

    fireEvent.click(screen.getByLabelText('Compare with a baseline'));
    fireEvent.click(screen.getByRole('radio', { name: 'Previous snapshot' }));
    expect(latest.current.profile).toEqual({ profileType: 'heap', baseline: { previous: true } });
    // Switching the diff on waits for a baseline; the previous snapshot is one.
    expect(onRunQuery).toHaveBeenCalledTimes(1);
    expect(screen.queryByRole('radiogroup', { name: /Baseline/ })).not.toBeInTheDocument();
  });

  it('keeps the radio groups of two editors with the same refId apart, as in Explore split view', async () => {
    await renderEditor({ refId: 'A', queryType: 'goroutines', target: '*', view: 'groups' });
    await renderEditor({ refId: 'A', queryType: 'profile', target: '*', view: 'top' });

    const names = (label: string) =>
      screen.getAllByRole('radio', { name: label }).map((radio) => radio.getAttribute('name'));
    const [first, second] = names('Goroutines');
    expect(first).not.toEqual(second);
    // Each editor keeps its own selection.
    expect(screen.getAllByRole('radio', { name: 'Goroutines' }).map((r) => (r as HTMLInputElement).checked)).toEqual([
      true,
      false,
    ]);
    expect(screen.getAllByRole('radio', { name: 'Profile' }).map((r) => (r as HTMLInputElement).checked)).toEqual([
      false,
      true,
    ]);
    const ids = [...document.querySelectorAll('[id]')].map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('reads the dump sources for a dumps query', async () => {
    const { latest } = await renderEditor({ refId: 'A', queryType: 'dumps' });

    fireEvent.click(screen.getByRole('radio', { name: 'History' }));
    await waitFor(() =>
      expect(mockBackend.get).toHaveBeenCalledWith(`${RESOURCES}dumps/sources`, undefined, undefined, {
        showErrorAlert: false,
      })
    );
    await choose('Dump source', /^holmes/);

    expect(latest.current).toEqual({ refId: 'A', queryType: 'dumps', view: 'history', dumpSource: 'dir:holmes' });
  });
});
