// The numeric settings and their ranges, from checkLimits in
// pkg/settings/validate.go, with the defaults pkg/settings applies when a
// field is empty or zero.

type LimitKey =
  | 'timeoutSeconds'
  | 'maxResponseMiB'
  | 'maxFullDumpGoroutines'
  | 'minIntervalSeconds'
  | 'maxProfileSeconds'
  | 'maxTraceSeconds'
  | 'maxProfileNodes'
  | 'recordIntervalSeconds'
  | 'recordRetentionHours'
  | 'fullDumpIntervalSeconds'
  | 'maxUploadMiB'
  | 'maxCoreUploadMiB'
  | 'dumpQuotaMiB'
  | 'parseCacheMiB'
  | 'captureQuotaMiB';

export interface Limit {
  key: LimitKey;
  label: string;
  tooltip: string;
  min: number;
  max: number;
  /** The backend's value when the field is empty (pkg/settings defaults). */
  defaultValue: number;
}

export const LIMITS: Record<LimitKey, Limit> = {
  timeoutSeconds: {
    key: 'timeoutSeconds',
    label: 'Timeout (s)',
    tooltip: 'How long a request to a target may take, CPU profiles excepted (they take their duration).',
    min: 1,
    max: 600,
    defaultValue: 10,
  },
  maxResponseMiB: {
    key: 'maxResponseMiB',
    label: 'Max response (MiB)',
    tooltip: 'Larger responses are refused. The Go runtime truncates goroutine dumps at 64 MB.',
    min: 1,
    max: 1024,
    defaultValue: 64,
  },
  maxFullDumpGoroutines: {
    key: 'maxFullDumpGoroutines',
    label: 'Max goroutines for full dump',
    tooltip:
      'Above this goroutine count, the plugin reads the cheaper debug=1 profile (no states) instead of a debug=2 dump, which stops the world for about 300 ms per 100k goroutines.',
    min: 1,
    max: 10_000_000,
    defaultValue: 50000,
  },
  minIntervalSeconds: {
    key: 'minIntervalSeconds',
    label: 'Min interval (s)',
    tooltip:
      'The shortest time between two fetches of an expensive endpoint (full dump, profile) of a target; queries in between reuse the last answer. Bounds what dashboards and alert rules cost the target.',
    min: 1,
    max: 3600,
    defaultValue: 30,
  },
  maxProfileSeconds: {
    key: 'maxProfileSeconds',
    label: 'Max CPU profile (s)',
    tooltip: 'The longest CPU profile a query may ask for.',
    min: 1,
    max: 600,
    defaultValue: 30,
  },
  maxTraceSeconds: {
    key: 'maxTraceSeconds',
    label: 'Max execution trace (s)',
    tooltip:
      'The longest execution trace a query may ask a target for. Tracing costs the target 1-2% CPU, but a busy service writes megabytes per second.',
    min: 1,
    max: 60,
    defaultValue: 2,
  },
  maxProfileNodes: {
    key: 'maxProfileNodes',
    label: 'Max flame graph nodes',
    tooltip:
      "Flame graphs larger than this are cut; what is cut is merged into an 'other' node per parent, so totals stay exact. A query may ask for fewer.",
    min: 100,
    max: 1_000_000,
    defaultValue: 10000,
  },
  recordIntervalSeconds: {
    key: 'recordIntervalSeconds',
    label: 'Record interval (s)',
    tooltip: 'How often the cheap figures of every target (goroutines, threads, memory) are sampled for history.',
    min: 5,
    max: 3600,
    defaultValue: 15,
  },
  recordRetentionHours: {
    key: 'recordRetentionHours',
    label: 'Retention (h)',
    tooltip: "How long recorded samples are kept, on disk beside Grafana's data: they survive restarts.",
    min: 1,
    max: 24 * 31,
    defaultValue: 24,
  },
  fullDumpIntervalSeconds: {
    key: 'fullDumpIntervalSeconds',
    label: 'Full dump interval (s)',
    tooltip:
      'How often the recorder reads a full goroutine dump of each target for goroutine states over time. It stops the world for about 3 ms per 1000 goroutines, is skipped above the full dump limit, and is shared with panels and alert rules within the minimum interval. At least the record interval and the minimum interval.',
    min: 5,
    max: 86400,
    defaultValue: 60,
  },
  maxUploadMiB: {
    key: 'maxUploadMiB',
    label: 'Max upload (MiB)',
    tooltip: 'The largest dump a person may upload, after decompression.',
    min: 1,
    max: 4096,
    defaultValue: 64,
  },
  maxCoreUploadMiB: {
    key: 'maxCoreUploadMiB',
    label: 'Max core dump (MiB)',
    tooltip:
      'The largest core dump or executable a person may upload, and the largest core read from a dump directory. Cores are read through their segments, never whole; the store quota must hold them too.',
    min: 1,
    max: 1 << 20,
    defaultValue: 4096,
  },
  dumpQuotaMiB: {
    key: 'dumpQuotaMiB',
    label: 'Store quota (MiB)',
    tooltip: 'The most the stored uploads may take on disk; uploads beyond it are refused until dumps are deleted.',
    min: 1,
    max: 1 << 20,
    defaultValue: 1024,
  },
  parseCacheMiB: {
    key: 'parseCacheMiB',
    label: 'Parse cache (MiB)',
    tooltip:
      'Memory for parsed dumps and profiles kept for the next query over the same content, so the panels of a dashboard parse a dump once. A million-goroutine dump takes about 140 MiB parsed.',
    min: 1,
    max: 64 << 10,
    defaultValue: 256,
  },
  captureQuotaMiB: {
    key: 'captureQuotaMiB',
    label: 'Capture quota per target (MiB)',
    tooltip:
      "The most each target's captured dumps may take in the dump store; the oldest captures of that target are deleted first, never uploads. At most the store quota.",
    min: 1,
    max: 1 << 20,
    defaultValue: 256,
  },
};

/** Mirrors checkLimits: zero or empty means the default; anything else must be in range. */
export function limitError(limit: Limit, value: number | undefined): string | undefined {
  if (value === undefined || value === 0) {
    return undefined;
  }
  if (!Number.isInteger(value)) {
    return 'Must be a whole number';
  }
  if (value < limit.min || value > limit.max) {
    return `Must be between ${limit.min} and ${limit.max}, not ${value}`;
  }
  return undefined;
}
