import React from 'react';
import { InlineField, RadioButtonGroup, Stack } from '@grafana/ui';

import { PprofApi } from '../../api';
import { BaselineSource } from '../../types';
import { DumpPicker } from './DumpPicker';
import { DumpsState } from './useResources';
import { QUERY_LABEL_WIDTH } from '../layout';

interface Props {
  idPrefix: string;
  baseline: BaselineSource | undefined;
  /** `run` is false while a baseline dump is not yet picked. */
  onChange: (baseline: BaselineSource | undefined, run: boolean) => void;
  api: PprofApi;
  dumps: DumpsState;
}

const KINDS = [
  {
    value: 'previous' as const,
    label: 'Previous snapshot',
    description:
      "The source's snapshot before this one: for a capture, the full dump taken before the spike; for a target, its newest capture",
  },
  { value: 'dump' as const, label: 'Stored dump', description: 'A stored dump chosen as the baseline' },
];

/** What the growth view compares the source with. */
export function GrowthBaselineField({ idPrefix, baseline, onChange, api, dumps }: Props) {
  const kind = baseline?.dump !== undefined ? 'dump' : 'previous';
  return (
    <Stack direction="column" gap={0}>
      <InlineField
        label="Compared with"
        labelWidth={QUERY_LABEL_WIDTH}
        tooltip="What grew: each group's count before and after, the group that grew most first."
      >
        <RadioButtonGroup
          id={`${idPrefix}-kind`}
          options={KINDS}
          value={kind}
          onChange={(next) => (next === 'dump' ? onChange({ dump: '' }, false) : onChange(undefined, true))}
        />
      </InlineField>
      {kind === 'dump' && (
        <DumpPicker
          id={`${idPrefix}-dump`}
          label="Baseline dump"
          value={baseline?.dump}
          onChange={(dump) => onChange({ dump }, Boolean(dump))}
          api={api}
          dumps={dumps}
        />
      )}
    </Stack>
  );
}
