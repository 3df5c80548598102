import React from 'react';
import { InlineField, RadioButtonGroup, Stack } from '@grafana/ui';

import { PprofApi } from '../../api';
import { SourceKind } from '../../queries';
import { ALL_TARGETS, TargetInfo } from '../../types';
import { QUERY_LABEL_WIDTH } from '../layout';
import { DumpPicker } from './DumpPicker';
import { DumpSourceField } from './DumpSourceField';
import { TargetPicker } from './TargetPicker';
import { DumpSourcesState, DumpsState } from './useResources';

export interface SourceValue {
  target?: string;
  dump?: string;
  dumpSource?: string;
}

interface Props {
  idPrefix: string;
  label: string;
  kind: SourceKind;
  /** The kinds offered; a diff's baseline cannot follow a dump source. */
  kinds: SourceKind[];
  value: SourceValue;
  /** `run` is false while the source is incomplete (a dump or source not yet picked). */
  onChange: (value: SourceValue, run: boolean) => void;
  api: PprofApi;
  targets: { value: TargetInfo[]; loading: boolean; error?: string };
  dumps: DumpsState;
  sources?: DumpSourcesState;
  allowAllTargets?: boolean;
}

const KINDS = [
  { value: 'target' as const, label: 'Target', description: 'Read configured targets now' },
  { value: 'dump' as const, label: 'Dump', description: 'Read one stored dump' },
  {
    value: 'dumpSource' as const,
    label: 'Latest dump',
    description: 'Read the newest dump of a source captured in the time range',
  },
];

/** Where the data comes from: live targets, a stored dump, or the newest dump of a source. */
export function SourceFields(props: Props) {
  const { idPrefix, label, kind, kinds, value, onChange, api, targets, dumps, sources, allowAllTargets } = props;

  const switchKind = (next: SourceKind) => {
    if (next === kind) {
      return;
    }
    // An empty dump or source id marks the kind until one is picked (see sourceOf).
    const initial: Record<SourceKind, SourceValue> = {
      target: { target: allowAllTargets ? ALL_TARGETS : '' },
      dump: { dump: '' },
      dumpSource: { dumpSource: '' },
    };
    onChange(initial[next], next === 'target' && Boolean(allowAllTargets));
  };

  return (
    <Stack direction="column" gap={0}>
      <InlineField label={label} labelWidth={QUERY_LABEL_WIDTH}>
        <RadioButtonGroup
          id={`${idPrefix}-kind`}
          options={KINDS.filter((k) => kinds.includes(k.value))}
          value={kind}
          onChange={switchKind}
        />
      </InlineField>
      {kind === 'target' && (
        <TargetPicker
          id={`${idPrefix}-target`}
          value={value.target}
          onChange={(target) => onChange({ target }, true)}
          targets={targets.value}
          loading={targets.loading}
          error={targets.error}
          allowAll={allowAllTargets}
        />
      )}
      {kind === 'dump' && (
        <DumpPicker
          id={`${idPrefix}-dump`}
          value={value.dump}
          onChange={(dump) => onChange({ dump }, Boolean(dump))}
          api={api}
          dumps={dumps}
        />
      )}
      {kind === 'dumpSource' && sources && (
        <DumpSourceField
          id={`${idPrefix}-dump-source`}
          value={value.dumpSource}
          onChange={(dumpSource) => onChange({ dumpSource }, Boolean(dumpSource))}
          sources={sources}
          allowAll={false}
        />
      )}
    </Stack>
  );
}
