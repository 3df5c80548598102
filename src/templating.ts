import { ScopedVars } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';

import { GoroutineFilter, PprofQuery, ProfileOptions } from './types';

// Multi-value variables expand to one list entry per value in `states`; the
// separator cannot occur in a state name.
const LIST_SEPARATOR = '\u001f';

function joinValues(value: unknown): string {
  return Array.isArray(value) ? value.join(LIST_SEPARATOR) : String(value);
}

/**
 * Replaces dashboard variables in every string of a query. Fields that the
 * backend reads as regular expressions (target and the filters) use the
 * `regex` format, so a multi-value variable becomes `(a|b)` with each value
 * escaped, which the backend matches against whole names.
 */
export function interpolateQuery(query: PprofQuery, scopedVars: ScopedVars, templateSrv: TemplateSrv): PprofQuery {
  const plain = (s: string | undefined) => (s ? templateSrv.replace(s, scopedVars) : s);
  const regex = (s: string | undefined) => (s ? templateSrv.replace(s, scopedVars, 'regex') : s);

  const out: PprofQuery = {
    ...query,
    target: regex(query.target),
    dump: plain(query.dump),
    dumpSource: plain(query.dumpSource),
    metric: plain(query.metric),
    snapshot: plain(query.snapshot),
  };
  if (query.filter) {
    out.filter = interpolateFilter(query.filter, scopedVars, templateSrv, regex);
  }
  if (query.profile) {
    out.profile = interpolateProfile(query.profile, plain, regex);
  }
  return out;
}

type Replace = (s: string | undefined) => string | undefined;

function interpolateFilter(
  filter: GoroutineFilter,
  scopedVars: ScopedVars,
  templateSrv: TemplateSrv,
  regex: Replace
): GoroutineFilter {
  const states = filter.states?.flatMap((s) =>
    templateSrv
      .replace(s, scopedVars, joinValues)
      .split(LIST_SEPARATOR)
      .map((v) => v.trim())
      .filter(Boolean)
  );
  return {
    ...filter,
    states,
    include: regex(filter.include),
    exclude: regex(filter.exclude),
    excludeCreatedBy: regex(filter.excludeCreatedBy),
  };
}

function interpolateProfile(profile: ProfileOptions, plain: Replace, regex: Replace): ProfileOptions {
  const out: ProfileOptions = {
    ...profile,
    profileType: plain(profile.profileType),
    sampleType: plain(profile.sampleType),
    focus: regex(profile.focus),
    ignore: regex(profile.ignore),
    hide: regex(profile.hide),
    groupBy: plain(profile.groupBy),
  };
  if (profile.labelFilter) {
    out.labelFilter = Object.fromEntries(
      Object.entries(profile.labelFilter).map(([k, v]) => [plain(k) ?? k, plain(v) ?? v])
    );
  }
  if (profile.baseline) {
    out.baseline = { target: plain(profile.baseline.target), dump: plain(profile.baseline.dump) };
  }
  return out;
}
