import { DiscovererConfig, DiscoveryConfig } from '../../types';

// The same rules as pkg/discovery, so the editor says what Save & test would.

const SOURCE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const HOST_NAME =
  /^(?=.{1,253}$)([A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?)*\.?$/;
const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;
const PLACEHOLDER = /\{\{[^}]*\}\}/g;

export type DiscovererErrors = Partial<
  Record<'name' | 'kind' | 'host' | 'port' | 'resolver' | 'url' | 'path' | 'urlTemplate' | 'metricsUrlTemplate', string>
>;

export function discovererErrors(d: DiscovererConfig, allNames: string[]): DiscovererErrors {
  const e: DiscovererErrors = {};
  if (!SOURCE_NAME.test(d.name)) {
    e.name = 'A name of letters, digits and . _ - is required';
  } else if (allNames.filter((n) => n === d.name).length > 1) {
    e.name = 'The name is used twice; names must be unique';
  }
  switch (d.kind) {
    case 'dns':
    case 'srv':
      if (!d.host || !HOST_NAME.test(d.host)) {
        e.host = 'A DNS name to look up is required, such as api.default.svc.cluster.local';
      }
      if (d.kind === 'dns' && !(Number.isInteger(d.port) && d.port! >= 1 && d.port! <= 65535)) {
        e.port = 'The port of the addresses found (1-65535) is required';
      }
      if (d.resolver && !/^(\[[0-9A-Fa-f:.]+\]|[^:\s]+):\d+$/.test(d.resolver)) {
        e.resolver = 'host:port, such as 10.96.0.10:53';
      }
      break;
    case 'prometheus':
      if (!/^https?:\/\/[^/@?#\s]+/.test(d.url ?? '') || /[?#]/.test(d.url ?? '')) {
        e.url = "The Prometheus server's URL is required, such as http://prometheus:9090, without credentials or query";
      }
      break;
    case 'file':
      if (!(d.path ?? '').startsWith('/')) {
        e.path = 'An absolute path on the Grafana server is required (a glob such as /etc/pprof/*.json is allowed)';
      }
      break;
    default:
      e.kind = 'Choose dns, srv, prometheus or file';
  }
  e.urlTemplate = templateError(d.urlTemplate, false);
  e.metricsUrlTemplate = templateError(d.metricsUrlTemplate, true);
  return e;
}

export function templateError(tmpl: string | undefined, allowQuery: boolean): string | undefined {
  if (!tmpl) {
    return undefined;
  }
  const unknown = (tmpl.match(PLACEHOLDER) ?? []).filter((p) => !['{{host}}', '{{port}}', '{{address}}'].includes(p));
  if (unknown.length > 0) {
    return `Unknown placeholder ${unknown[0]}: use {{host}}, {{port}} or {{address}}`;
  }
  if (!tmpl.includes('{{host}}') && !tmpl.includes('{{address}}')) {
    return 'Use {{host}} or {{address}}, or every address maps to the same URL';
  }
  const sample = tmpl
    .replaceAll('{{host}}', 'h.example.com')
    .replaceAll('{{port}}', '6060')
    .replaceAll('{{address}}', 'h.example.com:6060');
  let u: URL;
  try {
    u = new URL(sample);
  } catch {
    return 'Not a URL';
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') {
    return 'Must start with http:// or https://';
  }
  if (u.username || u.password) {
    return 'Must not carry credentials';
  }
  if (u.hash || (!allowQuery && u.search)) {
    return 'Must not carry a query or fragment';
  }
  return undefined;
}

export function networkError(n: string): string | undefined {
  const [addr, bits, extra] = n.trim().split('/');
  const v4 = IPV4.exec(addr);
  const isV4 = v4 !== null && v4.slice(1).every((x) => Number(x) <= 255);
  const isV6 = !isV4 && /^[0-9A-Fa-f:.]+$/.test(addr) && addr.includes(':');
  const max = isV4 ? 32 : 128;
  const bitsOK = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= max);
  return (isV4 || isV6) && bitsOK && extra === undefined
    ? undefined
    : `"${n}" is not a network such as 10.0.0.0/8 or fd00::/8`;
}

export function hostPatternError(h: string): string | undefined {
  const name = h.trim().replace(/^\*\./, '');
  if (IPV4.test(name) || name.includes(':')) {
    return `"${h}" is an address: list it under allowed networks`;
  }
  return HOST_NAME.test(name) ? undefined : `"${h}" must be a host name, or *.example.com for the names below it`;
}

export function portError(p: string): string | undefined {
  const m = /^\s*(\d+)\s*(?:-\s*(\d+)\s*)?$/.exec(p);
  const lo = m ? Number(m[1]) : 0;
  const hi = m && m[2] ? Number(m[2]) : lo;
  return m && lo >= 1 && hi <= 65535 && lo <= hi
    ? undefined
    : `"${p}" must be a port (1-65535) or a range such as 6060-6069`;
}

/** Every problem of the discovery settings, in the words Save & test uses. */
export function discoveryProblems(d: DiscoveryConfig | undefined): string[] {
  const sources = d?.discoverers ?? [];
  if (sources.length === 0) {
    return [];
  }
  const problems: string[] = [];
  const allow = d?.allow ?? {};
  if ((allow.networks ?? []).length === 0 && (allow.hosts ?? []).length === 0) {
    problems.push('Discovery needs an allow-list: add the networks or host names that discovered targets may be at');
  }
  for (const [list, check] of [
    [allow.networks, networkError],
    [allow.hosts, hostPatternError],
    [allow.ports, portError],
  ] as const) {
    for (const v of list ?? []) {
      const err = check(v);
      if (err) {
        problems.push(`Allow-list: ${err}`);
      }
    }
  }
  const names = sources.map((s) => s.name);
  sources.forEach((s, i) => {
    const which = s.name ? `Discoverer "${s.name}"` : `Discoverer ${i + 1}`;
    for (const err of Object.values(discovererErrors(s, names))) {
      if (err) {
        problems.push(`${which}: ${err}`);
      }
    }
  });
  return problems;
}

/** Splits a comma-separated list as typed, dropping empty entries. */
export function splitList(text: string): string[] | undefined {
  const items = text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  return items.length ? items : undefined;
}
