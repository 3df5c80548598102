import React from 'react';
import { QueryEditorProps } from '@grafana/data';
import { InlineField, InlineFieldRow, InlineSwitch, RadioButtonGroup, Stack } from '@grafana/ui';

import { DataSource } from '../datasource';
import { isRunnable, queryTypeOf, sourceForType, sourceOf } from '../queries';
import { QUERY_TYPES, VIEWS } from '../queryModel';
import { PprofOptions, PprofQuery, QueryType } from '../types';
import { QUERY_LABEL_WIDTH } from './layout';
import { LIMITS } from './config/limits';
import { BaselineFields } from './query/BaselineFields';
import { DumpSourceField } from './query/DumpSourceField';
import { GoroutineFilterFields } from './query/GoroutineFilterFields';
import { GrowthBaselineField } from './query/GrowthBaselineField';
import { MetricField } from './query/MetricField';
import { ProfileFields } from './query/ProfileFields';
import { SnapshotField } from './query/SnapshotField';
import { SourceFields } from './query/SourceFields';
import { TargetPicker } from './query/TargetPicker';
import { TraceFields } from './query/TraceFields';
import { useDumps, useDumpSources, useTargets } from './query/useResources';
import { useFieldIds } from './query/useFieldIds';
import { ViewField } from './query/ViewField';

type Props = QueryEditorProps<DataSource, PprofQuery, PprofOptions>;

export function QueryEditor({ query, onChange, onRunQuery, datasource }: Props) {
  const type = queryTypeOf(query);
  const targets = useTargets(datasource.api, type !== 'dumps');
  const dumps = useDumps(datasource.api, type === 'goroutines' || type === 'profile' || type === 'trace');
  const sources = useDumpSources(datasource.api, type !== 'metrics');
  const id = useFieldIds(query.refId);

  /** Applies a change and runs the query when it is complete and the change is meant to run it. */
  const update = (next: PprofQuery, run = true) => {
    onChange(next);
    if (run && isRunnable(next)) {
      onRunQuery();
    }
  };

  const changeType = (next: QueryType) => {
    // Options of one type mean nothing to another; only the source may carry over.
    const {
      view: _v,
      metric: _m,
      perCategory: _c,
      total: _o,
      snapshot: _n,
      filter: _f,
      profile: _p,
      trace: _tr,
      target: _t,
      dump: _d,
      dumpSource: _s,
      baseline: _b,
      ...base
    } = query;
    update({ ...base, queryType: next, ...sourceForType(query, next) });
  };

  const source = (
    <SourceFields
      idPrefix={id('source')}
      label="Source"
      kind={sourceOf(query)}
      kinds={['target', 'dump', 'dumpSource']}
      value={{ target: query.target, dump: query.dump, dumpSource: query.dumpSource }}
      onChange={(value, run) => {
        // A snapshot position belongs to the dump it was picked in.
        const { target: _t, dump: _d, dumpSource: _s, snapshot: _n, ...rest } = query;
        update({ ...rest, ...value }, run);
      }}
      api={datasource.api}
      targets={targets}
      dumps={dumps}
      sources={sources}
      allowAllTargets
    />
  );

  return (
    <Stack direction="column" gap={1}>
      <InlineField label="Query type" labelWidth={QUERY_LABEL_WIDTH}>
        <RadioButtonGroup
          id={id('query-type')}
          options={QUERY_TYPES.map(({ value, label, description }) => ({ value, label, description }))}
          value={type}
          onChange={changeType}
        />
      </InlineField>

      {type === 'metrics' && (
        <>
          <TargetPicker
            id={id('target')}
            value={query.target}
            onChange={(target) => update({ ...query, target })}
            targets={targets.value}
            loading={targets.loading}
            error={targets.error}
          />
          <ViewField
            id={id('view')}
            views={VIEWS.metrics}
            value={query.view}
            onChange={(view) => update({ ...query, view })}
          />
          <MetricField
            id={id('metric')}
            value={query.metric}
            onChange={(metric) => update(withField(query, 'metric', metric))}
          />
        </>
      )}

      {type === 'goroutines' && (
        <>
          {source}
          {sourceOf(query) !== 'target' && (
            <SnapshotField
              id={id('snapshot')}
              value={query.snapshot}
              onChange={(snapshot) => update(withField(query, 'snapshot', snapshot))}
              dump={dumps.value.find((d) => d.id === query.dump)}
            />
          )}
          <ViewField
            id={id('view')}
            views={VIEWS.goroutines}
            value={query.view}
            onChange={(view) => update({ ...query, view })}
          />
          {(query.view || VIEWS.goroutines[0].value) === 'count' && (
            <InlineFieldRow>
              <InlineField
                label="Per category"
                labelWidth={QUERY_LABEL_WIDTH}
                tooltip="Add one count per state category beside the total, e.g. for an alert on goroutines blocked on locks."
              >
                <InlineSwitch
                  id={id('per-category')}
                  value={Boolean(query.perCategory)}
                  onChange={(e) => {
                    // The total can only be left out beside the categories.
                    const { total: _o, ...rest } = query;
                    update(
                      withField(
                        e.currentTarget.checked ? query : rest,
                        'perCategory',
                        e.currentTarget.checked || undefined
                      )
                    );
                  }}
                />
              </InlineField>
              {query.perCategory && (
                <InlineField
                  label="Total"
                  labelWidth={QUERY_LABEL_WIDTH}
                  tooltip="The count of all goroutines (category all) beside the categories; off for a panel of the categories alone."
                >
                  <InlineSwitch
                    id={id('total')}
                    value={query.total !== false}
                    onChange={(e) => update(withField(query, 'total', e.currentTarget.checked ? undefined : false))}
                  />
                </InlineField>
              )}
            </InlineFieldRow>
          )}
          {query.view === 'growth' && (
            <GrowthBaselineField
              idPrefix={id('growth-baseline')}
              baseline={query.baseline}
              onChange={(baseline, run) => update(withField(query, 'baseline', baseline), run)}
              api={datasource.api}
              dumps={dumps}
            />
          )}
          <GoroutineFilterFields
            idPrefix={id('filter')}
            filter={query.filter ?? {}}
            onChange={(filter) => update({ ...query, filter })}
          />
        </>
      )}

      {type === 'profile' && (
        <>
          {source}
          <ViewField
            id={id('view')}
            views={VIEWS.profile}
            value={query.view}
            onChange={(view) => update({ ...query, view })}
          />
          <ProfileFields
            idPrefix={id('profile')}
            profile={query.profile ?? {}}
            view={query.view || VIEWS.profile[0].value}
            maxSeconds={datasource.settings.maxProfileSeconds || LIMITS.maxProfileSeconds.defaultValue}
            onChange={(profile) => update({ ...query, profile })}
          />
          <BaselineFields
            idPrefix={id('baseline')}
            baseline={query.profile?.baseline}
            onChange={(baseline, run) =>
              update({ ...query, profile: withField(query.profile ?? {}, 'baseline', baseline) }, run)
            }
            api={datasource.api}
            targets={targets}
            dumps={dumps}
          />
        </>
      )}

      {type === 'trace' && (
        <>
          {source}
          <ViewField
            id={id('view')}
            views={VIEWS.trace}
            value={query.view}
            onChange={(view) => update({ ...query, view })}
          />
          <TraceFields
            idPrefix={id('trace')}
            trace={query.trace ?? {}}
            view={query.view || VIEWS.trace[0].value}
            maxSeconds={datasource.settings.maxTraceSeconds || LIMITS.maxTraceSeconds.defaultValue}
            onChange={(trace) => update({ ...query, trace })}
          />
          <GoroutineFilterFields
            idPrefix={id('filter')}
            filter={query.filter ?? {}}
            onChange={(filter) => update({ ...query, filter })}
            fromTrace
          />
        </>
      )}

      {type === 'dumps' && (
        <>
          <DumpSourceField
            id={id('dump-source')}
            value={query.dumpSource}
            onChange={(dumpSource) => update(withField(query, 'dumpSource', dumpSource || undefined))}
            sources={sources}
          />
          <ViewField
            id={id('view')}
            views={VIEWS.dumps}
            value={query.view}
            onChange={(view) => update({ ...query, view })}
          />
        </>
      )}
    </Stack>
  );
}

/** Sets a field, or removes it when undefined, so the saved query holds only what was chosen. */
function withField<T extends object, K extends keyof T>(obj: T, key: K, value: T[K] | undefined): T {
  const next = { ...obj };
  if (value === undefined) {
    delete next[key];
  } else {
    next[key] = value;
  }
  return next;
}
