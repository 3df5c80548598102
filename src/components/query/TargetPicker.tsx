import React, { useMemo } from 'react';
import { Combobox, ComboboxOption, InlineField } from '@grafana/ui';

import { ALL_TARGETS, TargetInfo } from '../../types';
import { QUERY_LABEL_WIDTH } from '../layout';
import { variableOptions } from './useResources';

interface Props {
  id: string;
  label?: string;
  value: string | undefined;
  onChange: (target: string) => void;
  targets: TargetInfo[];
  loading: boolean;
  error?: string;
  /** Whether "all targets" may be chosen (not for a diff's baseline). */
  allowAll?: boolean;
}

/**
 * Picks configured targets by name, all of them, a dashboard variable, or a
 * regular expression typed in (matched against whole names by the backend).
 */
export function TargetPicker({
  id,
  label = 'Target',
  value,
  onChange,
  targets,
  loading,
  error,
  allowAll = true,
}: Props) {
  const options = useMemo(() => {
    const opts: Array<ComboboxOption<string>> = [];
    if (allowAll) {
      opts.push({ value: ALL_TARGETS, label: 'All targets', description: 'Every configured target' });
    }
    for (const t of targets) {
      opts.push({ value: t.name, label: t.name, description: describeLabels(t.labels) });
    }
    return [...opts, ...variableOptions()];
  }, [targets, allowAll]);

  const current = value || (allowAll ? ALL_TARGETS : undefined);
  const selected = current ? (options.find((o) => o.value === current) ?? { value: current, label: current }) : null;

  return (
    <InlineField
      label={label}
      labelWidth={QUERY_LABEL_WIDTH}
      tooltip="A configured target, all targets, a variable, or a regular expression over target names."
      invalid={Boolean(error)}
      error={error ? `Could not list targets: ${error}` : undefined}
    >
      <Combobox
        id={id}
        width={32}
        options={options}
        value={selected}
        loading={loading}
        createCustomValue
        customValueDescription="Regular expression over target names"
        placeholder="Choose a target"
        onChange={(option) => onChange(option.value)}
      />
    </InlineField>
  );
}

function describeLabels(labels: Record<string, string> | undefined): string | undefined {
  const entries = Object.entries(labels ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(', ') : undefined;
}
