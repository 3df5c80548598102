import React from 'react';
import { InlineField, InlineSwitch, Input } from '@grafana/ui';

import { PprofOptions } from '../../types';
import { Settings } from './secrets';
import { Limit, limitError, LIMITS } from './limits';

interface Props {
  options: Settings;
  onOptionsChange: (options: Settings) => void;
}

const LABEL_WIDTH = 30;

/** Limits that protect both Grafana and the targets it reads. */
export function LimitsSection({ options, onOptionsChange }: Props) {
  return (
    <>
      {[
        LIMITS.timeoutSeconds,
        LIMITS.maxResponseMiB,
        LIMITS.maxFullDumpGoroutines,
        LIMITS.minIntervalSeconds,
        LIMITS.maxProfileSeconds,
        LIMITS.maxTraceSeconds,
        LIMITS.maxProfileNodes,
      ].map((limit) => (
        <LimitField key={limit.key} limit={limit} options={options} onOptionsChange={onOptionsChange} />
      ))}
    </>
  );
}

/** Background sampling of every target's cheap figures, which gives metrics queries their history. */
export function RecordingSection({ options, onOptionsChange }: Props) {
  const enabled = !options.jsonData.recordDisabled;
  return (
    <>
      <InlineField
        label="Record history"
        labelWidth={LABEL_WIDTH}
        tooltip="Sample goroutines, threads and memory of every target in the background, for the series view of metrics queries. Only cheap pages are read."
      >
        <InlineSwitch
          id="record-enabled"
          value={enabled}
          onChange={(e) =>
            onOptionsChange({
              ...options,
              jsonData: { ...options.jsonData, recordDisabled: e.currentTarget.checked ? undefined : true },
            })
          }
        />
      </InlineField>
      {enabled &&
        [LIMITS.recordIntervalSeconds, LIMITS.recordRetentionHours].map((limit) => (
          <LimitField key={limit.key} limit={limit} options={options} onOptionsChange={onOptionsChange} />
        ))}
    </>
  );
}

interface LimitFieldProps extends Props {
  limit: Limit;
  labelWidth?: number;
}

export function LimitField({ limit, options, onOptionsChange, labelWidth = LABEL_WIDTH }: LimitFieldProps) {
  const value = options.jsonData[limit.key];
  const error = limitError(limit, value);
  const set = (text: string) => {
    const jsonData: PprofOptions = { ...options.jsonData, [limit.key]: text.trim() === '' ? undefined : Number(text) };
    onOptionsChange({ ...options, jsonData });
  };
  return (
    <InlineField
      label={limit.label}
      labelWidth={labelWidth}
      tooltip={`${limit.tooltip} ${limit.min}–${limit.max}; empty means ${limit.defaultValue}.`}
      invalid={Boolean(error)}
      error={error}
    >
      <Input
        id={`limit-${limit.key}`}
        type="number"
        value={value ?? ''}
        placeholder={String(limit.defaultValue)}
        width={16}
        onChange={(e) => set(e.currentTarget.value)}
      />
    </InlineField>
  );
}
