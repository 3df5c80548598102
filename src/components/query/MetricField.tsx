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
      tooltip="rss_bytes needs the target's Metrics URL; without one, heap_inuse_bytes is read from heap?debug=1 when the query runs (not recorded for the series view) and os_threads from the index page."
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
