import { readFileSync } from 'fs';
import { join } from 'path';
import React from 'react';
import { act, render } from '@testing-library/react';
import { DataQuery } from '@grafana/schema';

import { PprofApi } from './api';
import { QueryEditor } from './components/QueryEditor';
import { VariableQueryEditor } from './components/VariableQueryEditor';
import { DataSource } from './datasource';
import {
  Choice,
  DUMP_FORMATS,
  METRICS,
  PROFILE_TYPES,
  QUERY_FIELDS,
  QUERY_TYPES,
  STATE_CATEGORIES,
  TRACE_KINDS,
  VIEWS,
} from './queryModel';
import { fakeTemplateSrv, testLocator } from './testing/fakes';
import { BaselineSource, GoroutineFilter, PprofQuery, ProfileOptions, QueryType, TraceOptions } from './types';

// The editors and the query shapes against pkg/query/vocabulary.json, the
// list the backend checks queries with.

jest.setTimeout(60000);

const mockBackend = { get: jest.fn(), post: jest.fn(), patch: jest.fn(), delete: jest.fn() };
const mockTemplateSrv = fakeTemplateSrv({});

jest.mock('@grafana/runtime', () => ({
  ...jest.requireActual('@grafana/runtime'),
  getBackendSrv: () => mockBackend,
  getTemplateSrv: () => mockTemplateSrv,
}));

const datasource = { api: new PprofApi(testLocator), settings: { maxProfileSeconds: 60 } } as unknown as DataSource;

// Grafana's comboboxes render only the options that fit their height,
// which jsdom does not lay out; these stand-ins list every option they are
// given, which is what these tests look at.
jest.mock('@grafana/ui', () => {
  const react = jest.requireActual('react');
  const OptionList = ({ id, options }: { id: string; options: unknown }) =>
    react.createElement(
      'ul',
      { 'data-testid': `options-${id}` },
      (Array.isArray(options) ? options : []).map((o: Choice) =>
        react.createElement('li', { key: o.value }, o.label + (o.description ?? ''))
      )
    );
  return { ...jest.requireActual('@grafana/ui'), Combobox: OptionList, MultiCombobox: OptionList };
});

beforeEach(() => {
  jest.resetAllMocks();
  mockBackend.get.mockImplementation(async (url: string) =>
    url.endsWith('targets') ? [] : url.endsWith('sources') ? { sources: [] } : { dumps: [] }
  );
});

async function renderQueryEditor(query: PprofQuery) {
  await act(async () => {
    render(<QueryEditor datasource={datasource} query={query} onChange={jest.fn()} onRunQuery={jest.fn()} />);
  });
}

/**
 * The labels of a radio button group, whose buttons are named by the group's
 * id (after the editor instance's prefix).
 */
function radioLabels(groupId: string): string[] {
  return Array.from(document.querySelectorAll<HTMLInputElement>(`input[type="radio"][name$="-${groupId}"]`)).map(
    (r) => r.labels?.[0]?.textContent ?? ''
  );
}

/** The options a combobox offers, as "label" + "description" text. */
function offered(id: string): string[] {
  const list = document.querySelector(`[data-testid^="options-"][data-testid$="-${id}"]`);
  return Array.from(list?.children ?? []).map((o) => o.textContent ?? '');
}

const texts = (choices: Choice[]) => choices.map((c) => c.label + (c.description ?? ''));
const labels = (choices: Choice[]) => choices.map((c) => c.label);

describe('the query vocabulary', () => {
  it('has the JSON keys of the query interfaces', () => {
    // Each record must name every key of its interface and no other (tsc
    // checks that), so a field added to an interface and not to the
    // vocabulary, or the other way round, fails here.
    const query: Record<Exclude<keyof PprofQuery, Exclude<keyof DataQuery, 'queryType'>>, true> = {
      queryType: true,
      target: true,
      dump: true,
      dumpSource: true,
      view: true,
      metric: true,
      perCategory: true,
      total: true,
      snapshot: true,
      filter: true,
      profile: true,
      baseline: true,
      trace: true,
    };
    const filter: Record<keyof GoroutineFilter, true> = {
      states: true,
      include: true,
      exclude: true,
      excludeCreatedBy: true,
      minWaitMinutes: true,
      hideRuntime: true,
      lockedToThread: true,
    };
    const profile: Record<keyof ProfileOptions, true> = {
      profileType: true,
      sampleType: true,
      seconds: true,
      focus: true,
      ignore: true,
      hide: true,
      labelFilter: true,
      groupBy: true,
      maxNodes: true,
      byLine: true,
      nodeFraction: true,
      baseline: true,
    };
    const baseline: Record<keyof BaselineSource, true> = { target: true, dump: true, previous: true };
    const trace: Record<keyof TraceOptions, true> = {
      seconds: true,
      kind: true,
      perGoroutine: true,
      goroutines: true,
      reference: true,
      at: true,
    };
    const keys = (r: object) => Object.keys(r).sort();
    expect({
      query: keys(query),
      filter: keys(filter),
      profile: keys(profile),
      baseline: keys(baseline),
      trace: keys(trace),
    }).toEqual(Object.fromEntries(Object.entries(QUERY_FIELDS).map(([k, v]) => [k, [...v].sort()])));
  });

  it('is what the query help lists', () => {
    const help = readFileSync(join(__dirname, 'query_help.md'), 'utf8');
    for (const t of QUERY_TYPES) {
      const row = help.split('\n').find((line) => line.startsWith(`| \`${t.value}\``));
      const views = row?.split('|')[2].match(/`[^`]+`/g);
      expect(views).toEqual(t.views.map((v) => `\`${v.value}\``));
    }
  });

  it('names the query types of the QueryType union', () => {
    const union: Record<QueryType, true> = { metrics: true, goroutines: true, profile: true, dumps: true, trace: true };
    expect(QUERY_TYPES.map((t) => t.value).sort()).toEqual(Object.keys(union).sort());
  });
});

describe('the editors offer exactly the vocabulary', () => {
  it.each(QUERY_TYPES.map((t) => t.value))('%s: query types and views', async (queryType) => {
    await renderQueryEditor({ refId: 'A', queryType, target: '*' });
    expect(radioLabels('A-query-type')).toEqual(labels(QUERY_TYPES));
    expect(radioLabels('A-view')).toEqual(labels(VIEWS[queryType]));
  });

  it('metrics', async () => {
    await renderQueryEditor({ refId: 'A', queryType: 'metrics', target: '*' });
    expect(offered('A-metric')).toEqual(texts(METRICS));
  });

  it('state categories', async () => {
    await renderQueryEditor({ refId: 'A', queryType: 'goroutines', target: '*' });
    expect(offered('A-filter-states')).toEqual(texts(STATE_CATEGORIES));
  });

  it('trace kinds', async () => {
    await renderQueryEditor({ refId: 'A', queryType: 'trace', target: '*', view: 'blocking' });
    expect(offered('A-trace-kind')).toEqual(texts(TRACE_KINDS));
  });

  it('profile types and their sample types', async () => {
    await renderQueryEditor({ refId: 'A', queryType: 'profile', target: '*', profile: { profileType: 'heap' } });
    expect(offered('A-profile-profile-type')).toEqual(texts(PROFILE_TYPES));
    expect(offered('A-profile-sample-type')).toEqual(PROFILE_TYPES.find((p) => p.value === 'heap')?.sampleTypes);
  });

  it('dump formats', async () => {
    render(
      <VariableQueryEditor
        datasource={datasource}
        query={{ refId: 'v', kind: 'dumps' }}
        onChange={jest.fn()}
        onRunQuery={jest.fn()}
      />
    );
    expect(offered('variable-format')).toEqual(texts(DUMP_FORMATS));
  });
});
