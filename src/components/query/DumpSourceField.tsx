import React, { useMemo } from 'react';
import { Combobox, ComboboxOption, InlineField } from '@grafana/ui';

import { QUERY_LABEL_WIDTH } from '../layout';
import { DumpSourcesState, variableOptions } from './useResources';

interface Props {
  id: string;
  value: string | undefined;
  onChange: (source: string) => void;
  sources: DumpSourcesState;
  /** Whether "all sources" may be chosen (a dumps query), or one is needed (the latest dump of a source). */
  allowAll?: boolean;
}

const ALL_SOURCES = '';

const SOURCE_KINDS: Record<string, string> = {
  upload: 'Uploaded dumps',
  capture: 'Captured by capture rules',
  dir: 'Dump directory',
};

/** The dump source a query reads: the uploads, or one of the dump directories an admin configured. */
export function DumpSourceField({ id, value, onChange, sources, allowAll = true }: Props) {
  const options = useMemo<Array<ComboboxOption<string>>>(
    () => [
      ...(allowAll ? [{ value: ALL_SOURCES, label: 'All sources' }] : []),
      ...sources.value.map((s) => ({
        value: s.id,
        label: s.name,
        description: SOURCE_KINDS[s.kind] ?? s.kind,
      })),
      ...variableOptions(),
    ],
    [sources.value, allowAll]
  );
  const current = value || (allowAll ? ALL_SOURCES : undefined);
  const selected =
    current === undefined ? null : (options.find((o) => o.value === current) ?? { value: current, label: current });

  return (
    <InlineField
      label="Dump source"
      labelWidth={QUERY_LABEL_WIDTH}
      tooltip="Each dump of the source is a snapshot at its capture time."
      invalid={Boolean(sources.error)}
      error={sources.error ? `Could not list dump sources: ${sources.error}` : undefined}
    >
      <Combobox
        id={id}
        width={32}
        options={options}
        value={selected}
        loading={sources.loading}
        createCustomValue
        placeholder="Choose a dump source"
        onChange={(option) => onChange(option.value)}
      />
    </InlineField>
  );
}
