import React from 'react';
import { InlineField, InlineSwitch, Input } from '@grafana/ui';

import { PprofOptions } from '../../types';
import { CONFIG_LABEL_WIDTH } from '../layout';
import { Settings } from './secrets';
import { Limit, limitError, LIMITS } from './limits';
import { historyDirError } from './validation';

interface Props {
  options: Settings;
  onOptionsChange: (options: Settings) => void;
}

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

/**
 * Background sampling of every target, which gives metrics queries their
 * history on disk, goroutine states over time and capture rules their
 * samples.
 */
export function RecordingSection({ options, onOptionsChange }: Props) {
  const { jsonData } = options;
  const enabled = !jsonData.recordDisabled;
  const fullDumps = !jsonData.fullDumpsDisabled;
  const setJSON = (change: Partial<PprofOptions>) =>
    onOptionsChange({ ...options, jsonData: { ...jsonData, ...change } });
  return (
    <>
      <InlineField
        label="Record history"
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip="Sample goroutines, threads and memory of every target in the background, for the series view of metrics queries and for capture rules. Kept on disk: it survives restarts."
      >
        <InlineSwitch
          id="record-enabled"
          value={enabled}
          onChange={(e) => setJSON({ recordDisabled: e.currentTarget.checked ? undefined : true })}
        />
      </InlineField>
      {enabled && (
        <>
          {[LIMITS.recordIntervalSeconds, LIMITS.recordRetentionHours].map((limit) => (
            <LimitField key={limit.key} limit={limit} options={options} onOptionsChange={onOptionsChange} />
          ))}
          <InlineField
            label="Goroutine states over time"
            labelWidth={CONFIG_LABEL_WIDTH}
            tooltip="Also read a full goroutine dump of each target at a slower cadence, for counts and waits per state category over time (goroutines_lock, ...)."
          >
            <InlineSwitch
              id="full-dumps-enabled"
              value={fullDumps}
              onChange={(e) => setJSON({ fullDumpsDisabled: e.currentTarget.checked ? undefined : true })}
            />
          </InlineField>
          {fullDumps && (
            <LimitField limit={LIMITS.fullDumpIntervalSeconds} options={options} onOptionsChange={onOptionsChange} />
          )}
          <InlineField
            label="History directory"
            labelWidth={CONFIG_LABEL_WIDTH}
            tooltip="Absolute path on the Grafana server for the history file. Empty uses a directory under Grafana's data path."
            invalid={Boolean(historyDirError(jsonData.historyDir))}
            error={historyDirError(jsonData.historyDir)}
          >
            <Input
              id="history-dir"
              value={jsonData.historyDir ?? ''}
              placeholder="default"
              width={48}
              onChange={(e) => setJSON({ historyDir: e.currentTarget.value || undefined })}
            />
          </InlineField>
        </>
      )}
    </>
  );
}

interface LimitFieldProps extends Props {
  limit: Limit;
}

export function LimitField({ limit, options, onOptionsChange }: LimitFieldProps) {
  const value = options.jsonData[limit.key];
  const error = limitError(limit, value);
  const set = (text: string) => {
    const jsonData: PprofOptions = { ...options.jsonData, [limit.key]: text.trim() === '' ? undefined : Number(text) };
    onOptionsChange({ ...options, jsonData });
  };
  return (
    <InlineField
      label={limit.label}
      labelWidth={CONFIG_LABEL_WIDTH}
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
