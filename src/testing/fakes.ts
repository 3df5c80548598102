import { ScopedVars } from '@grafana/data';
import { TemplateSrv } from '@grafana/runtime';

import { ResourceLocator } from '../api';

// Test doubles for Grafana's services. Only what the plugin uses is faked.

export const RESOURCES = '/api/datasources/uid/pprof-test/resources/';

export const testLocator: ResourceLocator = {
  buildResourcesDatasourceUrl: (path: string) => RESOURCES + path,
};

/** The resource path of a URL the plugin requested, e.g. "dumps/uploads". */
export function resourcePath(url: string): string {
  return url.startsWith(RESOURCES) ? url.slice(RESOURCES.length) : url;
}

function escapeRegex(value: string): string {
  return value.replace(/[\\^$*+?.()|[\]{}\/]/g, '\\$&');
}

/**
 * Replaces $name and ${name} with dashboard variable values the way Grafana
 * formats them: `regex` escapes and joins as (a|b), a function formats
 * itself, and the default joins several values as {a,b}.
 */
export function fakeTemplateSrv(variables: Record<string, string | string[]>): TemplateSrv {
  return {
    getVariables: () => Object.keys(variables).map((name) => ({ name }) as ReturnType<TemplateSrv['getVariables']>[0]),
    containsTemplate: (target?: string) => Boolean(target && /\$\w/.test(target)),
    updateTimeRange: () => undefined,
    replace: (target?: string, scopedVars?: ScopedVars, format?: string | Function) =>
      (target ?? '').replace(/\$(\w+)|\$\{(\w+)\}/g, (match, plain, braced) => {
        const name = plain ?? braced;
        const value = scopedVars?.[name]?.value ?? variables[name];
        if (value === undefined) {
          return match;
        }
        if (typeof format === 'function') {
          return format(value);
        }
        const values = Array.isArray(value) ? value.map(String) : [String(value)];
        if (format === 'regex') {
          return values.length === 1 ? escapeRegex(values[0]) : `(${values.map(escapeRegex).join('|')})`;
        }
        return values.length === 1 ? values[0] : `{${values.join(',')}}`;
      }),
  };
}

/** What fetch resolves to, reduced to what the plugin reads. */
export function fakeResponse(status: number, body?: unknown): Response {
  const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
  return {
    ok: status >= 200 && status < 300,
    status,
    statusText: '',
    text: async () => text,
  } as Response;
}

/** A rejection shaped like backendSrv's FetchError. */
export function fetchError(status: number, data: unknown) {
  return { status, data, config: { url: '' } };
}
