import React from 'react';
import { Combobox, InlineField } from '@grafana/ui';

import { METRICS } from '../../queryModel';
import { QUERY_LABEL_WIDTH } from '../layout';

interface Props {
  id: string;
  value: string | undefined;
  onChange: (metric: string | undefined) => void;
}

/** One series of a metrics query; alert rules usually pick one. Empty returns them all. */
export function MetricField({ id, value, onChange }: Props) {
  return (
    <InlineField
      label="Metric"
      labelWidth={QUERY_LABEL_WIDTH}
      tooltip="Figures from the metrics URL exist only for targets that have one."
    >
      <Combobox
        id={id}
        width={32}
        options={METRICS}
        value={value ? (METRICS.find((m) => m.value === value) ?? { value, label: value }) : null}
        isClearable
        createCustomValue
        placeholder="All metrics"
        onChange={(option) => onChange(option?.value || undefined)}
      />
    </InlineField>
  );
}
