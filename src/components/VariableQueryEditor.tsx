import React, { useMemo } from 'react';
import { QueryEditorProps } from '@grafana/data';
import { Combobox, ComboboxOption, InlineField, RadioButtonGroup, Stack } from '@grafana/ui';

import { DataSource } from '../datasource';
import { DUMP_FORMATS, PROFILE_TYPES } from '../queryModel';
import { PprofOptions, PprofQuery, PprofVariableQuery, VariableQueryKind } from '../types';
import { toVariableQuery } from '../variables';
import { QUERY_LABEL_WIDTH } from './layout';
import { useDumpSources, useTargets, variableOptions } from './query/useResources';

type Props = QueryEditorProps<DataSource, PprofQuery, PprofOptions, PprofVariableQuery>;

const KINDS: Array<{ value: VariableQueryKind; label: string; description: string }> = [
  { value: 'targets', label: 'Targets', description: 'Names of the configured targets' },
  { value: 'labelValues', label: 'Label values', description: 'Values of one target label, e.g. env' },
  { value: 'dumps', label: 'Dumps', description: 'Stored dumps (text: name, value: id)' },
  { value: 'dumpSources', label: 'Dump sources', description: 'Uploads and dump directories' },
];

/** What a stored dump can hold: the runtime's profiles, race reports and execution traces. */
const DUMP_PROFILES: Array<ComboboxOption<string>> = [
  ...PROFILE_TYPES.map((p) => ({ value: p.value, label: p.value, description: p.description })),
  { value: 'race', label: 'race', description: 'Data race reports' },
  { value: 'trace', label: 'trace', description: 'Execution traces' },
];

/** The query of a dashboard variable: which list of this data source it holds. */
export function VariableQueryEditor({ query: raw, onChange, datasource }: Props) {
  const query = toVariableQuery(raw);
  const targets = useTargets(datasource.api, query.kind === 'labelValues');
  const sources = useDumpSources(datasource.api, query.kind === 'dumps');

  const labelOptions = useMemo(() => {
    const names = new Set(targets.value.flatMap((t) => Object.keys(t.labels ?? {})));
    return [
      ...Array.from(names)
        .sort()
        .map((n) => ({ value: n, label: n })),
      ...variableOptions(),
    ];
  }, [targets.value]);

  const sourceOptions = useMemo(
    () => [...sources.value.map((s) => ({ value: s.id, label: s.name })), ...variableOptions()],
    [sources.value]
  );

  const set = (change: Partial<PprofVariableQuery>) => onChange({ ...query, ...change });
  const selected = (options: Array<ComboboxOption<string>>, value?: string) =>
    value ? (options.find((o) => o.value === value) ?? { value, label: value }) : null;

  return (
    <Stack direction="column" gap={1}>
      <InlineField label="List" labelWidth={QUERY_LABEL_WIDTH}>
        <RadioButtonGroup
          id="variable-kind"
          options={KINDS}
          value={query.kind}
          onChange={(kind) => onChange({ refId: query.refId, kind })}
        />
      </InlineField>
      {query.kind === 'labelValues' && (
        <InlineField
          label="Label"
          labelWidth={QUERY_LABEL_WIDTH}
          invalid={Boolean(targets.error)}
          error={targets.error ? `Could not list targets: ${targets.error}` : undefined}
        >
          <Combobox
            id="variable-label"
            width={32}
            options={labelOptions}
            value={selected(labelOptions, query.label)}
            loading={targets.loading}
            createCustomValue
            placeholder="Choose a label"
            onChange={(option) => set({ label: option.value })}
          />
        </InlineField>
      )}
      {query.kind === 'dumps' && (
        <>
          <InlineField
            label="Source"
            labelWidth={QUERY_LABEL_WIDTH}
            invalid={Boolean(sources.error)}
            error={sources.error ? `Could not list dump sources: ${sources.error}` : undefined}
          >
            <Combobox
              id="variable-source"
              width={32}
              options={sourceOptions}
              value={selected(sourceOptions, query.source)}
              loading={sources.loading}
              isClearable
              createCustomValue
              placeholder="All sources"
              onChange={(option) => set({ source: option?.value || undefined })}
            />
          </InlineField>
          <InlineField label="Format" labelWidth={QUERY_LABEL_WIDTH}>
            <Combobox
              id="variable-format"
              width={32}
              options={DUMP_FORMATS}
              value={selected(DUMP_FORMATS, query.format)}
              isClearable
              placeholder="All formats"
              onChange={(option) => set({ format: option?.value || undefined })}
            />
          </InlineField>
        </>
      )}
      {(query.kind === 'dumps' || query.kind === 'dumpSources') && (
        <InlineField
          label="Profile"
          labelWidth={QUERY_LABEL_WIDTH}
          tooltip={
            query.kind === 'dumps'
              ? 'Only dumps of this kind, in any of its formats (goroutine: full dumps, crash output and goroutine profiles).'
              : 'Sources are listed newest dump first, so the variable starts on the source with the newest evidence; with a profile, only dumps of that kind count.'
          }
        >
          <Combobox
            id="variable-profile"
            width={32}
            options={DUMP_PROFILES}
            value={selected(DUMP_PROFILES, query.profile)}
            isClearable
            placeholder="Any dump"
            onChange={(option) => set({ profile: option?.value || undefined })}
          />
        </InlineField>
      )}
    </Stack>
  );
}
