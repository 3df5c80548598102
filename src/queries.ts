import { ALL_TARGETS, BaselineSource, PprofQuery, QueryType } from './types';
import { DEFAULT_PROFILE_TYPE, DEFAULT_QUERY_TYPE, defaultView, QUERY_TYPES } from './queryModel';

export type SourceKind = 'target' | 'dump' | 'dumpSource';

/**
 * Where a goroutines or profile query (or a diff's baseline) reads from. A
 * query reads a dump when it has a `dump` key, even an empty one: the editor
 * sets it when the person switches the source to a dump, before one is
 * picked. Likewise `dumpSource` selects the newest dump of a source in the
 * time range. Otherwise it reads targets (none named means all of them).
 */
export function sourceOf(query: Pick<PprofQuery, 'dump' | 'dumpSource'> | BaselineSource): SourceKind {
  if (query.dump !== undefined) {
    return 'dump';
  }
  if ('dumpSource' in query && query.dumpSource !== undefined) {
    return 'dumpSource';
  }
  return 'target';
}

export function queryTypeOf(query: PprofQuery): QueryType {
  return query.queryType ?? DEFAULT_QUERY_TYPE;
}

function readsSnapshots(type: QueryType): boolean {
  return type === 'goroutines' || type === 'profile' || type === 'trace';
}

/** The source fields worth keeping when a query changes to another type. */
export function sourceForType(query: PprofQuery, next: QueryType): Partial<PprofQuery> {
  const from = queryTypeOf(query);
  if (next === 'dumps') {
    return query.dumpSource ? { dumpSource: query.dumpSource } : {};
  }
  if (readsSnapshots(from) && readsSnapshots(next)) {
    const kind = sourceOf(query);
    if (kind === 'dump') {
      return { dump: query.dump };
    }
    if (kind === 'dumpSource') {
      return { dumpSource: query.dumpSource };
    }
  }
  return { target: (from === 'dumps' ? undefined : query.target) ?? ALL_TARGETS };
}

/** Whether there is something to run: a dump picked when reading a dump, a complete baseline when diffing. */
export function isRunnable(query: PprofQuery): boolean {
  if (query.hide) {
    return false;
  }
  const type = queryTypeOf(query);
  if (!QUERY_TYPES.some((t) => t.value === type)) {
    return false;
  }
  if (readsSnapshots(type)) {
    const kind = sourceOf(query);
    if ((kind === 'dump' && !query.dump) || (kind === 'dumpSource' && !query.dumpSource)) {
      return false;
    }
  }
  const baseline = type === 'profile' ? query.profile?.baseline : query.baseline;
  if (baseline && !baseline.target && !baseline.dump && !baseline.previous) {
    return false;
  }
  return true;
}

/** A one-line summary, shown where Grafana lists queries (query history, collapsed rows). */
export function describeQuery(query: PprofQuery): string {
  const type = queryTypeOf(query);
  const label = QUERY_TYPES.find((t) => t.value === type)?.label ?? type;
  const parts = [`${label} ${query.view || defaultView(type)}`];
  if (type === 'dumps') {
    parts.push(query.dumpSource ? `source ${query.dumpSource}` : 'all sources');
  } else if (type !== 'metrics' && sourceOf(query) === 'dump') {
    parts.push(`dump ${query.dump || '(none)'}`);
  } else if (type !== 'metrics' && sourceOf(query) === 'dumpSource') {
    parts.push(`latest dump of ${query.dumpSource || '(none)'}`);
  } else {
    parts.push(!query.target || query.target === ALL_TARGETS ? 'all targets' : `target ${query.target}`);
  }
  if (type === 'metrics' && query.metric) {
    parts.push(query.metric);
  }
  if (type === 'goroutines' && query.filter?.states?.length) {
    parts.push(`states ${query.filter.states.join(',')}`);
  }
  if (type === 'profile') {
    const p = query.profile ?? {};
    parts.push([p.profileType || DEFAULT_PROFILE_TYPE, p.sampleType].filter(Boolean).join(' '));
    if (p.baseline) {
      parts.push(`vs ${describeBaseline(p.baseline)}`);
    }
  }
  if (type === 'goroutines' && query.view === 'growth') {
    parts.push(`vs ${query.baseline ? describeBaseline(query.baseline) : 'previous snapshot'}`);
  }
  return parts.join(' · ');
}

function describeBaseline(b: BaselineSource): string {
  if (b.previous) {
    return 'previous snapshot';
  }
  return b.dump ? `dump ${b.dump}` : `target ${b.target || '?'}`;
}
