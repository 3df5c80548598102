import { MetricFindValue, ScopedVars } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';

import { PprofApi } from './api';
import { DumpInfo, DumpSource, PprofVariableQuery } from './types';

/** Reads a stored variable query, which older or hand-written dashboards may hold as a plain string. */
export function toVariableQuery(raw: unknown): PprofVariableQuery {
  if (raw && typeof raw === 'object') {
    const query = raw as Partial<PprofVariableQuery>;
    return { ...query, refId: query.refId || 'variable', kind: query.kind ?? 'targets' };
  }
  return { refId: 'variable', kind: 'targets' };
}

/** The values of a dashboard variable: target names, label values, dumps or dump sources. */
export async function findVariableValues(
  api: PprofApi,
  query: PprofVariableQuery,
  templateSrv: TemplateSrv,
  scopedVars?: ScopedVars
): Promise<MetricFindValue[]> {
  const replace = (s?: string) => (s ? templateSrv.replace(s, scopedVars) : undefined);
  switch (query.kind) {
    case 'targets': {
      const targets = await api.listTargets();
      return targets.map((t) => ({ text: t.name, value: t.name }));
    }
    case 'labelValues': {
      const label = replace(query.label);
      if (!label) {
        return [];
      }
      const targets = await api.listTargets();
      return distinct(targets.map((t) => t.labels?.[label])).map((v) => ({ text: v, value: v }));
    }
    case 'dumps': {
      const dumps = await api.listDumps({
        source: replace(query.source),
        format: replace(query.format),
        profile: replace(query.profile),
      });
      return statesFirst(dumps).map((d) => ({ text: dumpTitle(d), value: d.id }));
    }
    case 'dumpSources': {
      const [sources, dumps] = await Promise.all([
        api.listDumpSources(),
        api.listDumps({ profile: replace(query.profile) }),
      ]);
      return newestFirst(sources, dumps).map((s) => ({ text: s.name, value: s.id }));
    }
    default:
      return [];
  }
}

/** How a dump is named in pickers: its file name and, when known, when it was captured. */
export function dumpTitle(dump: DumpInfo): string {
  const name = dump.snapshotCount ? `${dump.name} [${dump.snapshotCount} snapshots]` : dump.name;
  return dump.capturedAt ? `${name} (${dump.capturedAt})` : name;
}

/** Formats that carry goroutine states and wait times. */
const WITH_STATES = ['goroutine-text', 'crash-text'];

/** The moment a dump belongs to: its capture (the parts a capture rule took together), else its capture time. */
function momentOf(d: DumpInfo): string {
  return d.capture && !d.capture.baseline ? `capture ${d.capture.bundle}` : `at ${d.capturedAt}`;
}

/**
 * Keeps the backend's newest-first order, but among the dumps of one moment
 * (the parts of one capture) puts those with goroutine states first:
 * Grafana opens a variable on its first value, and a full dump answers
 * every goroutine view where the goroutine profile beside it does not.
 */
export function statesFirst(newestFirstDumps: DumpInfo[]): DumpInfo[] {
  const out: DumpInfo[] = [];
  for (let i = 0; i < newestFirstDumps.length;) {
    let end = i + 1;
    while (end < newestFirstDumps.length && momentOf(newestFirstDumps[end]) === momentOf(newestFirstDumps[i])) {
      end++;
    }
    const moment = newestFirstDumps.slice(i, end);
    out.push(...moment.filter((d) => WITH_STATES.includes(d.format)));
    out.push(...moment.filter((d) => !WITH_STATES.includes(d.format)));
    i = end;
  }
  return out;
}

/**
 * Orders dump sources by their newest dump, newest first, and the sources
 * without dumps after them in the backend's order. Grafana chooses a
 * variable's first value when none is chosen, so a dashboard opens on the
 * source with the newest evidence rather than on an empty one.
 */
export function newestFirst(sources: DumpSource[], newestFirstDumps: DumpInfo[]): DumpSource[] {
  const rank = new Map<string, number>();
  newestFirstDumps.forEach((d, i) => {
    if (!rank.has(d.source)) {
      rank.set(d.source, i);
    }
  });
  const order = (s: DumpSource) => rank.get(s.id) ?? Number.MAX_SAFE_INTEGER;
  return [...sources].sort((a, b) => order(a) - order(b));
}

function distinct(values: Array<string | undefined>): string[] {
  return Array.from(new Set(values.filter((v): v is string => Boolean(v)))).sort();
}
