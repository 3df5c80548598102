import React, { useMemo } from 'react';
import { Combobox, ComboboxOption, InlineField } from '@grafana/ui';

import { DumpInfo } from '../../types';
import { formatTime } from './format';
import { variableOptions } from './useResources';
import { QUERY_LABEL_WIDTH } from '../layout';

interface Props {
  id: string;
  value: string | undefined;
  onChange: (snapshot: string | undefined) => void;
  /** The picked dump, whose snapshots are offered; unknown for a dump source. */
  dump?: DumpInfo;
}

/**
 * Picks one snapshot of a dump that holds several (a log of several crashes):
 * a position or a capture time; empty reads the newest.
 */
export function SnapshotField({ id, value, onChange, dump }: Props) {
  const options = useMemo<Array<ComboboxOption<string>>>(
    () => [
      ...(dump?.snapshots ?? []).map((s) => ({
        value: String(s.index),
        label: `${s.index} of ${dump?.snapshotCount ?? dump?.snapshots?.length}${s.loggedAt ? ` · ${formatTime(s.loggedAt)}` : ''}`,
        description: [s.detail, `${s.goroutines} goroutines`].filter(Boolean).join(' · '),
      })),
      ...variableOptions(),
    ],
    [dump]
  );
  return (
    <InlineField
      label="Snapshot"
      labelWidth={QUERY_LABEL_WIDTH}
      tooltip="A file may hold several snapshots, such as a log of several crashes. Pick one by position, or type a capture time (2026-12-01T10:00:00Z) for the newest at or before it; empty reads the newest."
    >
      <Combobox
        id={id}
        width={48}
        options={options}
        value={value ? (options.find((o) => o.value === value) ?? { value, label: value }) : null}
        isClearable
        createCustomValue
        placeholder={dump?.snapshotCount ? `Newest of ${dump.snapshotCount}` : 'Newest'}
        onChange={(option) => onChange(option?.value || undefined)}
      />
    </InlineField>
  );
}
