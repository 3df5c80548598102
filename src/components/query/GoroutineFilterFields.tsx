import React from 'react';
import { InlineField, InlineFieldRow, InlineSwitch, MultiCombobox } from '@grafana/ui';

import { STATE_CATEGORIES } from '../../queryModel';
import { GoroutineFilter } from '../../types';
import { CommitInput, parseWholeNumber } from '../common/CommitInput';
import { QUERY_LABEL_WIDTH } from '../layout';

interface Props {
  idPrefix: string;
  filter: GoroutineFilter;
  onChange: (filter: GoroutineFilter) => void;
  /**
   * Execution traces carry neither a dump's wait times nor which goroutines
   * are locked to threads: their filter has no minimum wait and no lock switch.
   */
  fromTrace?: boolean;
}

/** Narrows the goroutines every view looks at. Applies as soon as a field is left. */
export function GoroutineFilterFields({ idPrefix, filter, onChange, fromTrace = false }: Props) {
  const set = <K extends keyof GoroutineFilter>(key: K, value: GoroutineFilter[K]) => {
    const next = { ...filter, [key]: value };
    if (value === undefined || value === '' || value === false || (Array.isArray(value) && value.length === 0)) {
      delete next[key];
    }
    onChange(next);
  };
  const minWaitError =
    filter.minWaitMinutes !== undefined && (!Number.isInteger(filter.minWaitMinutes) || filter.minWaitMinutes < 0)
      ? 'A whole number of minutes, 0 or more'
      : undefined;

  return (
    <>
      <InlineField
        label="States"
        labelWidth={QUERY_LABEL_WIDTH}
        tooltip="Keep goroutines in these state categories, or with these exact wait reasons (type one, e.g. chan receive)."
      >
        <MultiCombobox
          id={`${idPrefix}-states`}
          width={60}
          options={STATE_CATEGORIES}
          value={filter.states ?? []}
          createCustomValue
          customValueDescription="Raw wait reason"
          placeholder="All states"
          onChange={(options) =>
            set(
              'states',
              options.map((o) => o.value)
            )
          }
        />
      </InlineField>
      <InlineFieldRow>
        <InlineField
          label="Include"
          labelWidth={QUERY_LABEL_WIDTH}
          tooltip="Regular expression over function, package and file of every frame."
        >
          <CommitInput
            id={`${idPrefix}-include`}
            value={filter.include}
            placeholder="myapp/"
            width={30}
            onCommit={(v) => set('include', v)}
          />
        </InlineField>
        <InlineField
          label="Exclude"
          labelWidth={QUERY_LABEL_WIDTH}
          tooltip="Drop goroutines with a frame matching this regular expression."
        >
          <CommitInput
            id={`${idPrefix}-exclude`}
            value={filter.exclude}
            placeholder="grpc\."
            width={30}
            onCommit={(v) => set('exclude', v)}
          />
        </InlineField>
      </InlineFieldRow>
      <InlineFieldRow>
        <InlineField
          label="Not created by"
          labelWidth={QUERY_LABEL_WIDTH}
          tooltip="Hide goroutines created by matching functions, such as long-lived workers that are meant to wait."
        >
          <CommitInput
            id={`${idPrefix}-exclude-created-by`}
            value={filter.excludeCreatedBy}
            placeholder="worker\.Start"
            width={30}
            onCommit={(v) => set('excludeCreatedBy', v)}
          />
        </InlineField>
        {!fromTrace && (
          <InlineField
            label="Min wait (min)"
            labelWidth={QUERY_LABEL_WIDTH}
            tooltip="Only goroutines waiting at least this many minutes. Go prints wait times from one minute on."
            invalid={Boolean(minWaitError)}
            error={minWaitError}
          >
            <CommitInput
              id={`${idPrefix}-min-wait`}
              type="number"
              min={0}
              value={filter.minWaitMinutes?.toString()}
              placeholder="0"
              width={10}
              onCommit={(v) => set('minWaitMinutes', parseWholeNumber(v))}
            />
          </InlineField>
        )}
        <InlineField
          label="Hide runtime"
          labelWidth={QUERY_LABEL_WIDTH}
          tooltip="Hide the runtime's and the system's own goroutines."
        >
          <InlineSwitch
            id={`${idPrefix}-hide-runtime`}
            value={Boolean(filter.hideRuntime)}
            onChange={(e) => set('hideRuntime', e.currentTarget.checked)}
          />
        </InlineField>
        {!fromTrace && (
          <InlineField
            label="Locked to thread"
            labelWidth={QUERY_LABEL_WIDTH}
            tooltip="Only goroutines locked to their OS thread (runtime.LockOSThread): each holds a thread while it waits. Goroutine dumps with states (debug=2, crash output) say which."
          >
            <InlineSwitch
              id={`${idPrefix}-locked-to-thread`}
              value={Boolean(filter.lockedToThread)}
              onChange={(e) => set('lockedToThread', e.currentTarget.checked)}
            />
          </InlineField>
        )}
      </InlineFieldRow>
    </>
  );
}
