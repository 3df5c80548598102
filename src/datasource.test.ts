import { CoreApp, DataSourceInstanceSettings, ScopedVars } from '@grafana/data';

import { DataSource } from './datasource';
import { fakeTemplateSrv, resourcePath, RESOURCES } from './testing/fakes';
import { PprofOptions, PprofQuery } from './types';

const mockBackend = { get: jest.fn(), post: jest.fn(), patch: jest.fn(), delete: jest.fn() };
let mockTemplateSrv = fakeTemplateSrv({});

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => mockBackend,
  getTemplateSrv: () => mockTemplateSrv,
}));

function makeDataSource(): DataSource {
  const ds = new DataSource({
    id: 1,
    uid: 'pprof-test',
    type: 'goscope-pprof-datasource',
    name: 'Go pprof',
    jsonData: { maxProfileSeconds: 60 },
    meta: {},
    access: 'proxy',
    readOnly: false,
  } as unknown as DataSourceInstanceSettings<PprofOptions>);
  // Resource URLs depend on Grafana's feature flags; tests use the classic path.
  ds.buildResourcesDatasourceUrl = (path: string) => RESOURCES + path;
  return ds;
}

beforeEach(() => {
  jest.resetAllMocks();
  mockTemplateSrv = fakeTemplateSrv({
    target: ['api-1', 'api.2'],
    one: 'api-1',
    dotted: 'api.prod',
    states: ['channel', 'select'],
    label: 'env',
    src: 'dir:holmes',
    nodump: '',
  });
});

describe('default query', () => {
  it('reads every target metric', () => {
    expect(makeDataSource().getDefaultQuery(CoreApp.Dashboard)).toEqual({ queryType: 'metrics', target: '*' });
  });
});

describe('applyTemplateVariables', () => {
  const scoped: ScopedVars = {};

  it('turns a multi-value target variable into an escaped regex alternation', () => {
    const q = makeDataSource().applyTemplateVariables({ refId: 'A', queryType: 'metrics', target: '$target' }, scoped);
    expect(q.target).toBe('(api-1|api\\.2)');
  });

  it('escapes a single value so the backend still matches the whole name', () => {
    const q = makeDataSource().applyTemplateVariables({ refId: 'A', queryType: 'metrics', target: '$dotted' }, scoped);
    expect(q.target).toBe('api\\.prod');
  });

  it('prefers scoped values (repeated panels) over the dashboard value', () => {
    const q = makeDataSource().applyTemplateVariables(
      { refId: 'A', queryType: 'goroutines', target: '$target' },
      { target: { text: 'api-3', value: 'api-3' } }
    );
    expect(q.target).toBe('api-3');
  });

  it('leaves literal names and regexes alone', () => {
    const q = makeDataSource().applyTemplateVariables({ refId: 'A', queryType: 'metrics', target: 'api-.*' }, scoped);
    expect(q.target).toBe('api-.*');
  });

  it('expands a multi-value states variable into several entries and interpolates the filters', () => {
    const query: PprofQuery = {
      refId: 'A',
      queryType: 'goroutines',
      dump: '$one',
      snapshot: '$one',
      filter: { states: ['$states', 'running'], include: '$one', exclude: '$target', minWaitMinutes: 2 },
    };
    const q = makeDataSource().applyTemplateVariables(query, scoped);
    expect(q.dump).toBe('api-1');
    expect(q.snapshot).toBe('api-1');
    expect(q.filter).toEqual({
      states: ['channel', 'select', 'running'],
      include: 'api-1',
      exclude: '(api-1|api\\.2)',
      minWaitMinutes: 2,
    });
  });

  it('interpolates profile options, label filters and the baseline', () => {
    const query: PprofQuery = {
      refId: 'A',
      queryType: 'profile',
      target: 'api-1',
      profile: {
        profileType: 'heap',
        focus: '$one',
        labelFilter: { $label: '$one' },
        groupBy: '$label',
        baseline: { dump: '$one' },
      },
    };
    const q = makeDataSource().applyTemplateVariables(query, scoped);
    expect(q.profile).toEqual({
      profileType: 'heap',
      sampleType: undefined,
      focus: 'api-1',
      ignore: undefined,
      hide: undefined,
      labelFilter: { env: 'api-1' },
      groupBy: 'env',
      baseline: { target: undefined, dump: 'api-1' },
    });
  });

  it('keeps an empty dump variable as an empty dump, which the backend refuses rather than read the targets', () => {
    const query: PprofQuery = { refId: 'A', queryType: 'goroutines', view: 'groups', dump: '$nodump' };
    const ds = makeDataSource();
    expect(ds.filterQuery(query)).toBe(true);
    const q = ds.applyTemplateVariables(query, scoped);
    expect(JSON.parse(JSON.stringify(q))).toEqual({ refId: 'A', queryType: 'goroutines', view: 'groups', dump: '' });
  });

  it('interpolates the dump source of a dumps query', () => {
    const q = makeDataSource().applyTemplateVariables({ refId: 'A', queryType: 'dumps', dumpSource: '$src' }, scoped);
    expect(q.dumpSource).toBe('dir:holmes');
  });
});

describe('filterQuery', () => {
  const ds = makeDataSource();

  it.each<[string, boolean, PprofQuery]>([
    ['a metrics query over all targets', true, { refId: 'A', queryType: 'metrics', target: '*' }],
    ['a query without a target (all targets)', true, { refId: 'A', queryType: 'goroutines' }],
    ['a hidden query', false, { refId: 'A', queryType: 'metrics', hide: true }],
    ['a dump query before a dump is picked', false, { refId: 'A', queryType: 'goroutines', dump: '' }],
    ['a dump query with a dump', true, { refId: 'A', queryType: 'goroutines', dump: 'abc' }],
    [
      'the latest dump of a source, before the source is picked',
      false,
      { refId: 'A', queryType: 'profile', dumpSource: '' },
    ],
    ['the latest dump of a source', true, { refId: 'A', queryType: 'goroutines', dumpSource: 'dir:holmes' }],
    [
      'a diff before its baseline is picked',
      false,
      { refId: 'A', queryType: 'profile', profile: { baseline: { target: '' } } },
    ],
    ['a diff against a dump', true, { refId: 'A', queryType: 'profile', profile: { baseline: { dump: 'abc' } } }],
    ['an unknown query type', false, { refId: 'A', queryType: 'cores' as PprofQuery['queryType'] }],
    ['a dumps query over every source', true, { refId: 'A', queryType: 'dumps' }],
  ])('%s: %s', (_, expected, query) => {
    expect(ds.filterQuery(query)).toBe(expected);
  });
});

describe('metricFindQuery', () => {
  const targets = [
    { name: 'api-1', labels: { env: 'prod', region: 'eu' } },
    { name: 'api-2', labels: { env: 'staging' } },
    { name: 'worker', labels: { env: 'prod' } },
  ];

  beforeEach(() => {
    mockBackend.get.mockImplementation(async (url: string) => {
      switch (resourcePath(url)) {
        case 'targets':
          return targets;
        case 'dumps':
          return {
            dumps: [
              { id: 'sha1', name: 'goroutine.txt', source: 'upload', capturedAt: '2026-01-21T10:30:15Z' },
              {
                id: 'sha2',
                name: 'service.log',
                source: 'upload',
                capturedAt: '2026-12-06T05:06:57Z',
                snapshotCount: 6,
              },
            ],
          };
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

  it('lists target names', async () => {
    const values = await makeDataSource().metricFindQuery({ refId: 'v', kind: 'targets' });
    expect(values).toEqual([
      { text: 'api-1', value: 'api-1' },
      { text: 'api-2', value: 'api-2' },
      { text: 'worker', value: 'worker' },
    ]);
  });

  it('lists the distinct values of a target label, the label name interpolated', async () => {
    const values = await makeDataSource().metricFindQuery({ refId: 'v', kind: 'labelValues', label: '$label' });
    expect(values.map((v) => v.text)).toEqual(['prod', 'staging']);
  });

  it('lists dumps of a source and format, by id', async () => {
    const values = await makeDataSource().metricFindQuery({
      refId: 'v',
      kind: 'dumps',
      source: '$src',
      format: 'goroutine-text',
    });
    expect(mockBackend.get).toHaveBeenCalledWith(
      `${RESOURCES}dumps`,
      { source: 'dir:holmes', format: 'goroutine-text' },
      undefined,
      { showErrorAlert: false }
    );
    expect(values).toEqual([
      { text: 'goroutine.txt (2026-01-21T10:30:15Z)', value: 'sha1' },
      { text: 'service.log [6 snapshots] (2026-12-06T05:06:57Z)', value: 'sha2' },
    ]);
  });

  it('opens a dumps variable on the full dump of a capture rather than the profile beside it', async () => {
    const at = (t: string) => `2026-12-06T${t}Z`;
    const capture = (baseline?: boolean) => ({
      target: 'a',
      bundle: 'b2',
      at: at('05:00:00'),
      reason: 'r',
      part: 'p',
      baseline,
    });
    // Newest first, as the backend lists them: a capture's parts are fetched
    // one after the other, its baseline is the full dump from before.
    mockBackend.get.mockResolvedValue({
      dumps: [
        {
          id: 'p',
          name: 'goroutine.pb.gz',
          source: 'capture:a',
          format: 'pprof-goroutine',
          capturedAt: at('05:00:00.2'),
          capture: capture(),
        },
        {
          id: 'h',
          name: 'heap.pb.gz',
          source: 'capture:a',
          format: 'pprof-heap',
          capturedAt: at('05:00:00.1'),
          capture: capture(),
        },
        {
          id: 'f',
          name: 'goroutine.txt',
          source: 'capture:a',
          format: 'goroutine-text',
          capturedAt: at('05:00:00'),
          capture: capture(),
        },
        {
          id: 'b',
          name: 'before.txt',
          source: 'capture:a',
          format: 'goroutine-text',
          capturedAt: at('04:59:30'),
          capture: capture(true),
        },
        { id: 'o', name: 'old.pb.gz', source: 'upload', format: 'pprof-goroutine', capturedAt: at('04:00:00') },
        { id: 'n', name: 'old.txt', source: 'upload', format: 'goroutine-text', capturedAt: at('04:00:00') },
      ],
    });
    const values = await makeDataSource().metricFindQuery({ refId: 'v', kind: 'dumps', profile: 'goroutine' });
    expect(values.map((v) => v.value)).toEqual(['f', 'p', 'h', 'b', 'n', 'o']);
  });

  it('lists dump sources by name, with their ids as values, the one with the newest dump first', async () => {
    const values = await makeDataSource().metricFindQuery({ refId: 'v', kind: 'dumpSources' });
    expect(values).toEqual([
      { text: 'uploads', value: 'upload' },
      { text: 'holmes', value: 'dir:holmes' },
    ]);

    mockBackend.get.mockImplementation(async (url: string, params?: Record<string, string>) => {
      switch (resourcePath(url)) {
        case 'dumps/sources':
          return {
            sources: [
              { id: 'upload', name: 'uploads', kind: 'upload' },
              { id: 'capture:api-1', name: 'captures of api-1', kind: 'capture' },
              { id: 'dir:holmes', name: 'holmes', kind: 'dir' },
              { id: 'dir:flight', name: 'flight', kind: 'dir' },
            ],
          };
        case 'dumps':
          // Newest first, as the backend lists them; only goroutine dumps when asked.
          expect(params).toEqual({ profile: 'goroutine' });
          return {
            dumps: [
              { id: 'dir:holmes:b', name: 'b', source: 'dir:holmes', capturedAt: '2026-12-06T05:00:00Z' },
              { id: 'c1', name: 'c1', source: 'capture:api-1', capturedAt: '2026-12-06T04:00:00Z' },
              { id: 'dir:holmes:a', name: 'a', source: 'dir:holmes', capturedAt: '2026-12-06T03:00:00Z' },
            ],
          };
      }
      throw new Error(`unexpected ${url}`);
    });
    const sorted = await makeDataSource().metricFindQuery({ refId: 'v', kind: 'dumpSources', profile: 'goroutine' });
    expect(sorted.map((v) => v.value)).toEqual(['dir:holmes', 'capture:api-1', 'upload', 'dir:flight']);
  });

  it('treats a query without a kind as a list of targets', async () => {
    const values = await makeDataSource().metricFindQuery('');
    expect(values).toHaveLength(3);
  });

  it('reports the backend error text', async () => {
    mockBackend.get.mockRejectedValue({ status: 500, data: { error: 'the data source settings are invalid' } });
    await expect(makeDataSource().metricFindQuery({ refId: 'v', kind: 'targets' })).rejects.toThrow(
      'the data source settings are invalid'
    );
  });
});

describe('annotations', () => {
  it('always run as the annotations view of a dumps query', () => {
    const ds = makeDataSource();
    const query = ds.annotations!.prepareQuery!({
      name: 'Dump captures',
      enable: true,
      iconColor: 'blue',
      target: { refId: 'Anno', queryType: 'goroutines', dumpSource: 'dir:holmes' },
    });
    expect(query).toEqual({ refId: 'Anno', queryType: 'dumps', view: 'annotations', dumpSource: 'dir:holmes' });
  });
});

describe('getQueryDisplayText', () => {
  it('summarises the query', () => {
    const ds = makeDataSource();
    expect(
      ds.getQueryDisplayText({
        refId: 'A',
        queryType: 'goroutines',
        target: 'api-1',
        view: 'groups',
        filter: { states: ['channel'] },
      })
    ).toBe('Goroutines groups · target api-1 · states channel');
    expect(
      ds.getQueryDisplayText({ refId: 'A', queryType: 'profile', dump: 'abc', profile: { profileType: 'heap' } })
    ).toBe('Profile flamegraph · dump abc · heap');
  });
});
