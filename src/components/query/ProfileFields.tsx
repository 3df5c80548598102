import React from 'react';
import { Combobox, InlineField, InlineFieldRow, InlineSwitch } from '@grafana/ui';

import { DEFAULT_PROFILE_TYPE, PROFILE_TYPES, profileTypeInfo } from '../../queryModel';
import { ProfileOptions } from '../../types';
import { CommitInput } from '../common/CommitInput';
import { WholeNumberField, wholeNumberError } from '../common/WholeNumberField';
import { KeyValueEditor } from '../common/KeyValueEditor';
import { QUERY_LABEL_WIDTH } from '../layout';
import { OptionsRow } from './OptionsRow';

interface Props {
  idPrefix: string;
  profile: ProfileOptions;
  view: string;
  onChange: (profile: ProfileOptions) => void;
  /** The data source's limit on CPU profile duration. */
  maxSeconds: number;
}

/**
 * Which profile to read and how to cut it: profile and sample type and a CPU
 * profile's duration up front; regex filters, labels, node limit and lines
 * folded into the Options row.
 */
export function ProfileFields({ idPrefix, profile, view, onChange, maxSeconds }: Props) {
  const set = <K extends keyof ProfileOptions>(key: K, value: ProfileOptions[K]) => {
    const next = { ...profile, [key]: value };
    if (value === undefined || value === '' || value === false) {
      delete next[key];
    }
    onChange(next);
  };

  const info = profileTypeInfo(profile.profileType);
  const sampleOptions = (info?.sampleTypes ?? []).map((s) => ({ value: s, label: s }));
  const maxNodesError = wholeNumberError(profile.maxNodes, 1);
  const nodeFraction = profile.nodeFraction;
  const nodeFractionError =
    nodeFraction !== undefined && !(nodeFraction >= 0 && nodeFraction < 1) ? 'A fraction from 0 up to 1' : undefined;
  const groupByMissing = view === 'labels' && !profile.groupBy;
  // The labels view needs a label to group by, so the field is up front there.
  const groupByUpFront = view === 'labels';
  const groupByField = (
    <InlineField
      label="Group by"
      labelWidth={QUERY_LABEL_WIDTH}
      tooltip="A pprof label: the labels view gives one series per value of it."
      invalid={groupByMissing}
      error={groupByMissing ? 'The labels view needs a label to group by' : undefined}
    >
      <CommitInput
        id={`${idPrefix}-group-by`}
        value={profile.groupBy}
        placeholder="handler"
        width={20}
        onCommit={(v) => set('groupBy', v)}
      />
    </InlineField>
  );

  return (
    <>
      <InlineFieldRow>
        <InlineField label="Profile type" labelWidth={QUERY_LABEL_WIDTH} tooltip="The pprof profile to read.">
          <Combobox
            id={`${idPrefix}-profile-type`}
            width={24}
            options={PROFILE_TYPES.map(({ value, label, description }) => ({ value, label, description }))}
            value={profile.profileType || DEFAULT_PROFILE_TYPE}
            onChange={(option) => {
              // Sample types differ between profiles; the old one rarely applies.
              const { sampleType: _old, seconds: _s, ...rest } = profile;
              onChange({ ...rest, profileType: option.value });
            }}
          />
        </InlineField>
        <InlineField
          label="Sample type"
          labelWidth={QUERY_LABEL_WIDTH}
          tooltip="Empty uses the profile's default sample type."
        >
          <Combobox
            id={`${idPrefix}-sample-type`}
            width={24}
            options={sampleOptions}
            value={profile.sampleType ? { value: profile.sampleType, label: profile.sampleType } : null}
            isClearable
            createCustomValue
            placeholder="default"
            onChange={(option) => set('sampleType', option?.value)}
          />
        </InlineField>
        {info?.takesSeconds && (
          <WholeNumberField
            id={`${idPrefix}-seconds`}
            label="Seconds"
            labelWidth={QUERY_LABEL_WIDTH}
            tooltip={`How long to profile the CPU, at most ${maxSeconds} s (a data source setting). The query takes that long.`}
            value={profile.seconds}
            min={1}
            max={maxSeconds}
            placeholder="default"
            width={12}
            onCommit={(v) => set('seconds', v)}
          />
        )}
        {groupByUpFront && groupByField}
      </InlineFieldRow>

      <OptionsRow
        summary={optionsSummary(profile, groupByUpFront)}
        defaultOpen={Boolean(maxNodesError || nodeFractionError)}
      >
        <InlineFieldRow>
          <InlineField
            label="Focus"
            labelWidth={QUERY_LABEL_WIDTH}
            tooltip="Keep only samples with a frame matching this regular expression (pprof -focus)."
          >
            <CommitInput
              id={`${idPrefix}-focus`}
              value={profile.focus}
              placeholder="regexp"
              width={24}
              onCommit={(v) => set('focus', v)}
            />
          </InlineField>
          <InlineField
            label="Ignore"
            labelWidth={QUERY_LABEL_WIDTH}
            tooltip="Drop samples with a frame matching this regular expression (pprof -ignore)."
          >
            <CommitInput
              id={`${idPrefix}-ignore`}
              value={profile.ignore}
              placeholder="regexp"
              width={24}
              onCommit={(v) => set('ignore', v)}
            />
          </InlineField>
          <InlineField
            label="Hide"
            labelWidth={QUERY_LABEL_WIDTH}
            tooltip="Remove matching frames from stacks, keeping their samples (pprof -hide)."
          >
            <CommitInput
              id={`${idPrefix}-hide`}
              value={profile.hide}
              placeholder="regexp"
              width={24}
              onCommit={(v) => set('hide', v)}
            />
          </InlineField>
        </InlineFieldRow>

        <InlineField
          label="Label filter"
          labelWidth={QUERY_LABEL_WIDTH}
          tooltip="Keep samples carrying every one of these pprof label values."
        >
          <KeyValueEditor
            name="pprof label"
            idPrefix={`${idPrefix}-label-filter`}
            addLabel="Add label filter"
            value={profile.labelFilter}
            onChange={(labelFilter) => set('labelFilter', labelFilter)}
          />
        </InlineField>

        <InlineFieldRow>
          {!groupByUpFront && groupByField}
          <WholeNumberField
            id={`${idPrefix}-max-nodes`}
            label="Max nodes"
            labelWidth={QUERY_LABEL_WIDTH}
            tooltip="Cut the flame graph to this many nodes; what is cut is merged into an 'other' node per parent, so totals stay exact. Empty uses the data source's limit (max flame graph nodes)."
            value={profile.maxNodes}
            min={1}
            placeholder="default"
            width={12}
            onCommit={(v) => set('maxNodes', v)}
          />
          <InlineField
            label="By line"
            labelWidth={QUERY_LABEL_WIDTH}
            tooltip="Tell lines of a function apart, like go tool pprof -lines."
          >
            <InlineSwitch
              id={`${idPrefix}-by-line`}
              value={Boolean(profile.byLine)}
              onChange={(e) => set('byLine', e.currentTarget.checked)}
            />
          </InlineField>
          {view === 'top' && (
            <InlineField
              label="Node fraction"
              labelWidth={QUERY_LABEL_WIDTH}
              tooltip="Leave out the rows whose cum is under this fraction of the total, as go tool pprof -top does (-nodefraction). Empty uses pprof's 0.005; 0 lists every row."
              invalid={Boolean(nodeFractionError)}
              error={nodeFractionError}
            >
              <CommitInput
                id={`${idPrefix}-node-fraction`}
                type="number"
                min={0}
                value={nodeFraction?.toString()}
                placeholder="0.005"
                width={12}
                onCommit={(v) => set('nodeFraction', v.trim() === '' ? undefined : Number(v))}
              />
            </InlineField>
          )}
        </InlineFieldRow>
      </OptionsRow>
    </>
  );
}

/** The options set in the Options row, named as its fields are, for the folded row. */
function optionsSummary(profile: ProfileOptions, groupByUpFront: boolean): string[] {
  const labels = Object.entries(profile.labelFilter ?? {}).map(([k, v]) => `${k}=${v}`);
  return [
    profile.focus && `Focus: ${profile.focus}`,
    profile.ignore && `Ignore: ${profile.ignore}`,
    profile.hide && `Hide: ${profile.hide}`,
    labels.length > 0 && `Label filter: ${labels.join(', ')}`,
    !groupByUpFront && profile.groupBy && `Group by: ${profile.groupBy}`,
    profile.maxNodes !== undefined && `Max nodes: ${profile.maxNodes}`,
    profile.byLine && 'By line',
    profile.nodeFraction !== undefined && `Node fraction: ${profile.nodeFraction}`,
  ].filter((s): s is string => Boolean(s));
}
