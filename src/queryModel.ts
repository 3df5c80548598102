import vocabulary from '../pkg/query/vocabulary.json';
import { QueryType } from './types';

// The query vocabulary lives in pkg/query/vocabulary.json, which the backend
// embeds too: query types and their views (the default first), metrics,
// state categories, profile types with their sample types, trace kinds, dump formats,
// defaults, and the JSON keys of the query. Tests on both sides fail when
// code and file disagree (pkg/query, pkg/plugin/vocabulary_test.go,
// src/vocabulary.test.ts).

export interface Choice {
  value: string;
  label: string;
  description?: string;
}

export interface QueryTypeInfo extends Choice {
  value: QueryType;
  views: Choice[];
}

export interface MetricInfo extends Choice {
  /** Grafana's unit id. */
  unit: string;
  /** Set for figures that only a target's metrics URL gives. */
  needsMetricsUrl?: boolean;
  /** Marks a family of goroutine state figures, one per category, recorded for the series view. */
  categoryPrefix?: string;
}

export interface ProfileTypeInfo extends Choice {
  /** Sample types the Go runtime writes for it, the backend's default first. */
  sampleTypes: string[];
  /** Whether the endpoint takes a duration (CPU profiles). */
  takesSeconds?: boolean;
}

export const QUERY_TYPES = vocabulary.queryTypes as QueryTypeInfo[];

/** Each query type's views, the backend's default first. */
export const VIEWS = Object.fromEntries(QUERY_TYPES.map((t) => [t.value, t.views])) as Record<QueryType, Choice[]>;

export function defaultView(queryType: QueryType): string {
  return VIEWS[queryType][0].value;
}

export const DEFAULT_QUERY_TYPE = vocabulary.defaults.queryType as QueryType;

export const METRICS: MetricInfo[] = vocabulary.metrics;

/** Stable goroutine state categories (pkg/waitstates identifiers and titles). */
export const STATE_CATEGORIES: Choice[] = vocabulary.stateCategories;

export const PROFILE_TYPES: ProfileTypeInfo[] = vocabulary.profileTypes;

export const DEFAULT_PROFILE_TYPE = vocabulary.defaults.profileType;

export function profileTypeInfo(profileType: string | undefined): ProfileTypeInfo | undefined {
  return PROFILE_TYPES.find((p) => p.value === (profileType || DEFAULT_PROFILE_TYPE));
}

/** Blocking kinds of trace queries, as go tool trace -pprof names them, the default first. */
export const TRACE_KINDS: Choice[] = vocabulary.traceKinds;

/** Dump formats the backend detects, for filtering dump lists. */
export const DUMP_FORMATS: Choice[] = vocabulary.dumpFormats;

/** The JSON keys of each object of a query, as the backend's structs name them. */
export const QUERY_FIELDS: Record<string, string[]> = vocabulary.fields;
