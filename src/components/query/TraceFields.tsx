import React from 'react';
import { Combobox, InlineField, InlineFieldRow, InlineSwitch } from '@grafana/ui';

import { TRACE_KINDS } from '../../queryModel';
import { TraceOptions } from '../../types';
import { CommitInput } from '../common/CommitInput';
import { optionSetter } from '../common/optionSetter';
import { WholeNumberField } from '../common/WholeNumberField';
import { QUERY_LABEL_WIDTH } from '../layout';

interface Props {
  idPrefix: string;
  trace: TraceOptions;
  view: string;
  onChange: (trace: TraceOptions) => void;
  /** The data source's limit on a live trace's duration. */
  maxSeconds: number;
}

const MAX_GOROUTINES = 500;

/** How long to trace a live target, and the options of the view shown. */
export function TraceFields({ idPrefix, trace, view, onChange, maxSeconds }: Props) {
  const set = optionSetter(trace, onChange);
  const blocking = view === 'blocking' || view === 'top';
  const countsGoroutines = view === 'timeline' || (view === 'goroutines' && trace.perGoroutine);

  return (
    <InlineFieldRow>
      <WholeNumberField
        id={`${idPrefix}-seconds`}
        label="Seconds"
        labelWidth={QUERY_LABEL_WIDTH}
        tooltip={`How long to trace a live target, at most ${maxSeconds} s (a data source setting). The query takes that long. Stored traces are read whole.`}
        value={trace.seconds}
        min={1}
        max={maxSeconds}
        placeholder="1"
        width={10}
        onCommit={(v) => set('seconds', v)}
      />
      {blocking && (
        <InlineField
          label="Kind"
          labelWidth={QUERY_LABEL_WIDTH}
          tooltip="Which time off the CPU to show, as go tool trace -pprof=KIND computes it; all puts each kind on its own branch."
        >
          <Combobox
            id={`${idPrefix}-kind`}
            width={16}
            options={TRACE_KINDS}
            value={trace.kind || 'all'}
            onChange={(option) => set('kind', option.value === 'all' ? undefined : option.value)}
          />
        </InlineField>
      )}
      {blocking && (
        <InlineField
          label="Agree with"
          labelWidth={QUERY_LABEL_WIDTH}
          tooltip="go tool trace changed how it counts in Go 1.26: agree with the release that wrote the trace, or with the latest."
        >
          <Combobox
            id={`${idPrefix}-reference`}
            width={16}
            options={[
              {
                value: 'writer',
                label: 'writer',
                description: 'The go tool trace of the Go release that wrote the trace',
              },
              { value: 'latest', label: 'latest', description: 'go tool trace of Go 1.26 and later' },
            ]}
            value={trace.reference || 'writer'}
            onChange={(option) => set('reference', option.value === 'writer' ? undefined : option.value)}
          />
        </InlineField>
      )}
      {view === 'states' && (
        <InlineField
          label="At"
          labelWidth={QUERY_LABEL_WIDTH}
          tooltip="Instants, RFC 3339 up to nanoseconds and comma-separated, at which to count the goroutines in each state exactly instead of over time (e.g. the moment a dump was taken)."
        >
          <CommitInput
            id={`${idPrefix}-at`}
            value={trace.at?.join(', ')}
            placeholder="2026-12-06T10:00:00.123456789Z"
            width={48}
            onCommit={(v) => {
              const at = v
                .split(',')
                .map((s) => s.trim())
                .filter((s) => s !== '');
              set('at', at.length > 0 ? at : undefined);
            }}
          />
        </InlineField>
      )}
      {view === 'goroutines' && (
        <InlineField
          label="Per goroutine"
          labelWidth={QUERY_LABEL_WIDTH}
          tooltip="One row per goroutine instead of per start function."
        >
          <InlineSwitch
            id={`${idPrefix}-per-goroutine`}
            value={Boolean(trace.perGoroutine)}
            onChange={(e) => set('perGoroutine', e.currentTarget.checked)}
          />
        </InlineField>
      )}
      {countsGoroutines && (
        <WholeNumberField
          id={`${idPrefix}-goroutines`}
          label="Top goroutines"
          labelWidth={QUERY_LABEL_WIDTH}
          tooltip="How many goroutines to show: those that waited longest on locks, channels, I/O, system calls and the scheduler."
          value={trace.goroutines}
          min={1}
          max={MAX_GOROUTINES}
          placeholder="20"
          width={10}
          onCommit={(v) => set('goroutines', v)}
        />
      )}
    </InlineFieldRow>
  );
}
