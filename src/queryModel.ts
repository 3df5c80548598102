import { QueryType } from './types';

// Vocabulary of the query model, kept in one place so it can be aligned with
// the backend: views from pkg/query (Views), state categories from
// pkg/waitstates, metric names from pkg/plugin/vitals.go and
// pkg/processmetrics, dump formats from pkg/dumpformat.

export interface Choice {
  value: string;
  label: string;
  description?: string;
}

export const QUERY_TYPES: Array<Choice & { value: QueryType }> = [
  { value: 'metrics', label: 'Metrics', description: 'Goroutines, threads and memory per target, alertable' },
  { value: 'goroutines', label: 'Goroutines', description: 'States, wait times, grouped stacks, leak suspects' },
  { value: 'profile', label: 'Profile', description: 'pprof profiles as flame graphs and top tables' },
  { value: 'dumps', label: 'Dumps', description: 'Stored dumps: list, history over time, annotations' },
  { value: 'trace', label: 'Trace', description: 'Execution traces: states over time, blocking, timelines' },
];

/** Each query type's views, the backend's default first. */
export const VIEWS: Record<QueryType, Choice[]> = {
  metrics: [
    { value: 'current', label: 'Current', description: 'Read each target now' },
    { value: 'series', label: 'Series', description: 'What the recorder sampled over the time range' },
  ],
  goroutines: [
    { value: 'count', label: 'Count', description: 'Total and per-category counts' },
    { value: 'states', label: 'States', description: 'Count, share and wait times per state' },
    { value: 'groups', label: 'Groups', description: 'Identical stacks aggregated, most important first' },
    { value: 'timeline', label: 'Timeline', description: 'When the goroutines of a snapshot started waiting' },
    { value: 'leaks', label: 'Leaks', description: 'Leak suspects ranked, with reasons' },
    { value: 'races', label: 'Races', description: 'Data races reported by the race detector in a dump' },
  ],
  profile: [
    { value: 'flamegraph', label: 'Flame graph' },
    { value: 'top', label: 'Top', description: 'Flat and cumulative per function, like go tool pprof -top' },
    { value: 'labels', label: 'Labels', description: 'Sample totals per value of the group-by label' },
  ],
  dumps: [
    { value: 'list', label: 'List', description: 'Stored dumps and their metadata' },
    { value: 'history', label: 'History', description: 'Time series from the snapshots in the time range' },
    { value: 'annotations', label: 'Annotations', description: 'Capture times as events' },
  ],
  trace: [
    { value: 'states', label: 'States', description: 'Goroutines per state over time, alertable' },
    { value: 'blocking', label: 'Blocking', description: 'Flame graph of time blocked, as go tool trace -pprof' },
    { value: 'top', label: 'Top', description: 'Time blocked per function' },
    { value: 'goroutines', label: 'Goroutines', description: 'Time per state per start function or goroutine' },
    { value: 'timeline', label: 'Timeline', description: 'States of the goroutines that waited longest' },
    { value: 'regions', label: 'Regions', description: 'runtime/trace regions: durations' },
    { value: 'tasks', label: 'Tasks', description: 'runtime/trace tasks: durations' },
    { value: 'gc', label: 'GC', description: 'GC and stop-the-world periods as annotations' },
    { value: 'metrics', label: 'Metrics', description: 'Heap, GC goal, GOMAXPROCS and goroutines over time' },
  ],
};

/** Blocking kinds of trace queries, as go tool trace -pprof names them. */
export const TRACE_KINDS: Choice[] = [
  { value: 'all', label: 'all', description: 'Every kind, one flame graph branch per kind' },
  { value: 'sync', label: 'sync', description: 'Channels, selects, mutexes, WaitGroups' },
  { value: 'net', label: 'net', description: 'Network waits' },
  { value: 'syscall', label: 'syscall', description: 'System calls' },
  { value: 'sched', label: 'sched', description: 'Scheduler latency: runnable until running' },
];

export function defaultView(queryType: QueryType): string {
  return VIEWS[queryType][0].value;
}

export const METRICS: Choice[] = [
  { value: 'up', label: 'up', description: '1 when the target answered, 0 when not' },
  { value: 'goroutines', label: 'goroutines', description: 'From the pprof index page' },
  { value: 'threads', label: 'threads', description: 'Threads created, from the pprof index page' },
  { value: 'rss_bytes', label: 'rss_bytes', description: 'From the metrics URL' },
  { value: 'heap_inuse_bytes', label: 'heap_inuse_bytes', description: 'From the metrics URL' },
  { value: 'os_threads', label: 'os_threads', description: 'Live OS threads, from the metrics URL' },
];

/** Stable goroutine state categories (pkg/waitstates identifiers and titles). */
export const STATE_CATEGORIES: Choice[] = [
  { value: 'running', label: 'Running' },
  { value: 'runnable', label: 'Runnable' },
  { value: 'syscall', label: 'Syscall' },
  { value: 'io', label: 'Network/IO wait' },
  { value: 'lock', label: 'Mutex/lock' },
  { value: 'channel', label: 'Channel' },
  { value: 'select', label: 'Select' },
  { value: 'sleep', label: 'Sleep/timer' },
  { value: 'sync', label: 'sync.Cond/WaitGroup' },
  { value: 'runtime', label: 'GC and runtime-internal' },
  { value: 'other', label: 'Other' },
];

export interface ProfileTypeInfo extends Choice {
  /** Sample types the Go runtime writes for it; empty leaves the choice to the backend's default. */
  sampleTypes: string[];
  /** Whether the endpoint takes a duration (CPU profiles). */
  takesSeconds?: boolean;
}

export const PROFILE_TYPES: ProfileTypeInfo[] = [
  { value: 'goroutine', label: 'goroutine', sampleTypes: ['goroutine'] },
  {
    value: 'heap',
    label: 'heap',
    sampleTypes: ['inuse_space', 'inuse_objects', 'alloc_space', 'alloc_objects'],
  },
  {
    value: 'allocs',
    label: 'allocs',
    sampleTypes: ['alloc_space', 'alloc_objects', 'inuse_space', 'inuse_objects'],
  },
  { value: 'cpu', label: 'cpu', sampleTypes: ['cpu', 'samples'], takesSeconds: true },
  { value: 'threadcreate', label: 'threadcreate', sampleTypes: ['threadcreate'] },
  { value: 'block', label: 'block', sampleTypes: ['delay', 'contentions'] },
  { value: 'mutex', label: 'mutex', sampleTypes: ['delay', 'contentions'] },
  { value: 'goroutineleak', label: 'goroutineleak', description: 'Go 1.26+', sampleTypes: [] },
];

export const DEFAULT_PROFILE_TYPE = 'goroutine';

export function profileTypeInfo(profileType: string | undefined): ProfileTypeInfo | undefined {
  return PROFILE_TYPES.find((p) => p.value === (profileType || DEFAULT_PROFILE_TYPE));
}

/** Dump formats the backend detects, for filtering dump lists. */
export const DUMP_FORMATS: Choice[] = [
  { value: 'goroutine-text', label: 'Goroutine dump (debug=2)' },
  { value: 'crash-text', label: 'Crash / SIGQUIT output' },
  { value: 'goroutine-debug1', label: 'Goroutine profile (debug=1)' },
  { value: 'goroutineleak-debug1', label: 'Goroutine leak profile (debug=1)' },
  { value: 'heap-debug1', label: 'Heap profile (debug=1)' },
  { value: 'threadcreate-debug1', label: 'Threadcreate profile (debug=1)' },
  { value: 'block-debug1', label: 'Block profile (debug=1)' },
  { value: 'mutex-debug1', label: 'Mutex profile (debug=1)' },
  { value: 'pprof-goroutine', label: 'pprof goroutine' },
  { value: 'pprof-goroutineleak', label: 'pprof goroutineleak' },
  { value: 'pprof-heap', label: 'pprof heap' },
  { value: 'pprof-allocs', label: 'pprof allocs' },
  { value: 'pprof-cpu', label: 'pprof CPU' },
  { value: 'pprof-threadcreate', label: 'pprof threadcreate' },
  { value: 'pprof-block', label: 'pprof block' },
  { value: 'pprof-mutex', label: 'pprof mutex' },
  { value: 'pprof-contention', label: 'pprof block or mutex (no samples)' },
  { value: 'pprof-other', label: 'pprof, other' },
  { value: 'trace', label: 'Execution trace' },
];
