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
      return dumps.map((d) => ({ text: dumpTitle(d), value: d.id }));
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
