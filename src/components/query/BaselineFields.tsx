import React from 'react';
import { InlineField, InlineSwitch, RadioButtonGroup, Stack } from '@grafana/ui';

import { PprofApi } from '../../api';
import { sourceOf } from '../../queries';
import { BaselineSource, TargetInfo } from '../../types';
import { QUERY_LABEL_WIDTH } from '../layout';
import { SourceFields } from './SourceFields';
import { DumpsState } from './useResources';

interface Props {
  idPrefix: string;
  baseline: BaselineSource | undefined;
  onChange: (baseline: BaselineSource | undefined, run: boolean) => void;
  api: PprofApi;
  targets: { value: TargetInfo[]; loading: boolean; error?: string };
  dumps: DumpsState;
}

/** An optional second source of the same profile type; the flame graph then shows the difference. */
export function BaselineFields({ idPrefix, baseline, onChange, api, targets, dumps }: Props) {
  return (
    <Stack direction="column" gap={0}>
      <InlineField
        label="Diff"
        labelWidth={QUERY_LABEL_WIDTH}
        tooltip="Compare with a baseline: a target, or a dump such as one captured before an incident."
      >
        <InlineSwitch
          id={`${idPrefix}-enabled`}
          aria-label="Compare with a baseline"
          value={baseline !== undefined}
          // An empty baseline is not run until its source is picked.
          onChange={(e) => onChange(e.currentTarget.checked ? { target: '' } : undefined, !e.currentTarget.checked)}
        />
      </InlineField>
      {baseline && (
        <InlineField
          label="Against"
          labelWidth={QUERY_LABEL_WIDTH}
          tooltip="The previous snapshot is the same kind of profile of the same dump source captured before this one, such as the heap of the capture before."
        >
          <RadioButtonGroup
            id={`${idPrefix}-previous`}
            options={[
              { value: true, label: 'Previous snapshot', description: 'Of the same dump source' },
              { value: false, label: 'Chosen source', description: 'A target or a stored dump' },
            ]}
            value={Boolean(baseline.previous)}
            onChange={(previous) => onChange(previous ? { previous: true } : { target: '' }, previous)}
          />
        </InlineField>
      )}
      {baseline && !baseline.previous && (
        <SourceFields
          idPrefix={idPrefix}
          label="Baseline"
          kind={sourceOf(baseline)}
          kinds={['target', 'dump']}
          value={baseline}
          onChange={(value, run) => onChange(value, run && Boolean(value.target || value.dump))}
          api={api}
          targets={targets}
          dumps={dumps}
          allowAllTargets={false}
        />
      )}
    </Stack>
  );
}
