import {
  CaptureRule,
  DumpBucketConfig,
  DumpDirectoryConfig,
  ObjectStorageConfig,
  PprofOptions,
  TargetConfig,
} from '../../types';
import { limitError, LIMITS } from './limits';
import { discoveryProblems } from './discoveryValidation';

// The rules of pkg/settings/validate.go, checked as the admin types so each
// message appears beside its field before Save & test. The wording follows
// the backend's, without the "target N:" prefix the field position makes
// redundant.

const TARGET_NAME = /^[A-Za-z0-9][A-Za-z0-9._:-]*$/;
const LABEL_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

/** Label names the plugin sets on every frame itself. */
const RESERVED_LABELS = new Set(['target', 'dump', 'category', 'state']);

export function targetNameError(name: string, allNames: string[]): string | undefined {
  if (name === '') {
    return 'A name is required';
  }
  if (!TARGET_NAME.test(name)) {
    return 'The name may only hold letters, digits and . _ : - (and must start with a letter or digit)';
  }
  if (allNames.filter((n) => n === name).length > 1) {
    return 'The name is used twice; names must be unique';
  }
  return undefined;
}

export function labelNameError(key: string): string | undefined {
  if (!LABEL_NAME.test(key)) {
    return `Label name "${key}" must match [A-Za-z_][A-Za-z0-9_]*`;
  }
  if (RESERVED_LABELS.has(key)) {
    return `Label name "${key}" is set by the plugin itself; choose another`;
  }
  return undefined;
}

export function headerNameError(name: string | undefined): string | undefined {
  if (name && !HEADER_NAME.test(name)) {
    return `"${name}" is not a valid HTTP header name`;
  }
  return undefined;
}

/**
 * Mirrors checkURL: an absolute http(s) URL with a host, without query,
 * fragment or credentials. `required` is false for the optional metrics URL.
 */
export function urlError(raw: string | undefined, required: boolean): string | undefined {
  const text = (raw ?? '').trim();
  if (text === '') {
    return required ? 'A URL is required, e.g. http://host:6060/debug/pprof' : undefined;
  }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):/.exec(text)?.[1]?.toLowerCase();
  if (scheme !== 'http' && scheme !== 'https') {
    return `"${text}" must start with http:// or https://`;
  }
  const rest = text.slice(scheme.length + 1);
  const authority = rest.startsWith('//') ? /^[^/?#]*/.exec(rest.slice(2))![0] : '';
  const host = authority.slice(authority.lastIndexOf('@') + 1);
  if (host === '') {
    return `"${text}" has no host`;
  }
  if (!parses(text)) {
    return `"${text}" is not a URL`;
  }
  const query = /\?([^#]*)/.exec(rest)?.[1] ?? '';
  const fragment = /#(.*)$/.exec(rest)?.[1] ?? '';
  if (query !== '' || fragment !== '') {
    return `"${text}" must not carry a query or fragment`;
  }
  if (authority.includes('@')) {
    return `"${text}" must not carry credentials; use the auth header setting`;
  }
  return undefined;
}

function parses(text: string): boolean {
  try {
    new URL(text);
    return true;
  } catch {
    return false;
  }
}

export interface TargetErrors {
  name?: string;
  url?: string;
  metricsUrl?: string;
  authHeaderName?: string;
  labels?: string;
}

export function targetErrors(target: TargetConfig, allNames: string[]): TargetErrors {
  const badLabel = Object.keys(target.labels ?? {})
    .map(labelNameError)
    .find(Boolean);
  return {
    name: targetNameError(target.name, allNames),
    url: urlError(target.url, true),
    metricsUrl: urlError(target.metricsUrl, false),
    authHeaderName: headerNameError(target.authHeaderName),
    labels: badLabel,
  };
}

const DUMP_DIR_NAME = /^[A-Za-z0-9._-]+$/;

export interface DumpDirectoryErrors {
  name?: string;
  path?: string;
  glob?: string;
}

/** Mirrors checkDumpDirectories. */
export function dumpDirectoryErrors(dir: DumpDirectoryConfig, allNames: string[]): DumpDirectoryErrors {
  let name: string | undefined;
  if (dir.name === '') {
    name = 'A name is required';
  } else if (!DUMP_DIR_NAME.test(dir.name)) {
    name = 'The name may only hold letters, digits and . _ -';
  } else if (allNames.filter((n) => n === dir.name).length > 1) {
    name = 'The name is used twice; names must be unique';
  }
  return {
    name,
    path: isAbsolutePath(dir.path) ? undefined : `Path "${dir.path}" must be an absolute path on the Grafana server`,
    glob: dir.glob && !isValidGlob(dir.glob) ? `Glob "${dir.glob}" is not valid: syntax error in pattern` : undefined,
  };
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

/** Mirrors objectStorage: an http(s) endpoint without a path, and an S3 bucket name. */
export function objectStorageErrors(c: { endpoint?: string; bucket?: string; prefix?: string }): {
  endpoint?: string;
  bucket?: string;
  prefix?: string;
} {
  let endpoint = urlError(c.endpoint, true);
  if (!endpoint && /^[a-z]+:\/\/[^/]+\/./i.test((c.endpoint ?? '').trim())) {
    endpoint = 'The endpoint must not have a path; give the bucket and prefix as their own settings';
  }
  const prefix = (c.prefix ?? '').replace(/^\/+|\/+$/g, '');
  return {
    endpoint,
    bucket: BUCKET_NAME.test(c.bucket ?? '')
      ? undefined
      : `"${c.bucket ?? ''}" is not a bucket name (3 to 63 lower-case letters, digits, dots and hyphens)`,
    prefix: prefix.split('/').some((seg) => seg === '.' || seg === '..' || (prefix !== '' && seg === ''))
      ? `Prefix "${c.prefix}" is not a clean path`
      : undefined,
  };
}

/** Mirrors dumpBuckets: a name, and its own endpoint and bucket unless object storage is there to share. */
export function dumpBucketErrors(
  b: DumpBucketConfig,
  allNames: string[],
  storage: ObjectStorageConfig | undefined
): { name?: string; endpoint?: string; bucket?: string; prefix?: string; glob?: string } {
  const { name } = dumpDirectoryErrors({ name: b.name, path: '/' }, allNames);
  const shares = !b.endpoint || !b.bucket;
  const own = objectStorageErrors({
    endpoint: b.endpoint || storage?.endpoint,
    bucket: b.bucket || storage?.bucket,
    prefix: b.prefix,
  });
  return {
    name,
    endpoint:
      shares && !storage?.endpoint
        ? 'Give an endpoint and a bucket, or configure object storage for this source to share'
        : b.endpoint
          ? own.endpoint
          : undefined,
    bucket: b.bucket ? own.bucket : undefined,
    prefix: own.prefix,
    glob: b.glob && !isValidGlob(b.glob) ? `Glob "${b.glob}" is not valid: syntax error in pattern` : undefined,
  };
}

export function dumpStoreDirError(dir: string | undefined): string | undefined {
  return dir && !isAbsolutePath(dir) ? `Dump store directory "${dir}" must be an absolute path` : undefined;
}

export function historyDirError(dir: string | undefined): string | undefined {
  return dir && !isAbsolutePath(dir) ? `History directory "${dir}" must be an absolute path` : undefined;
}

// Grafana may run on Unix or Windows; the backend checks for its own system.
function isAbsolutePath(path: string): boolean {
  return /^(\/|[A-Za-z]:[\\/]|\\\\)/.test(path);
}

/** Mirrors the pattern syntax of Go's filepath.Match on Unix, which rejects what it cannot parse. */
function isValidGlob(glob: string): boolean {
  // One character of a class, escaped or not; -1 when there is none.
  const classChar = (k: number): number => {
    if (k >= glob.length || glob[k] === '-' || glob[k] === ']') {
      return -1;
    }
    if (glob[k] === '\\') {
      k++;
    }
    return k < glob.length ? k + 1 : -1;
  };
  let i = 0;
  while (i < glob.length) {
    const c = glob[i];
    if (c === '\\') {
      i += 2;
      if (i > glob.length) {
        return false;
      }
    } else if (c === '[') {
      let j = glob[i + 1] === '^' ? i + 2 : i + 1;
      for (let ranges = 0; ; ranges++) {
        if (j < glob.length && glob[j] === ']' && ranges > 0) {
          j++;
          break;
        }
        j = classChar(j);
        if (j < 0) {
          return false;
        }
        if (glob[j] === '-') {
          j = classChar(j + 1);
          if (j < 0) {
            return false;
          }
        }
      }
      i = j;
    } else {
      i++;
    }
  }
  return true;
}

/** Every problem the backend would report for these settings, once each, for a summary. */
export function settingsProblems(jsonData: PprofOptions): string[] {
  const problems: string[] = [];
  for (const limit of Object.values(LIMITS)) {
    const err = limitError(limit, jsonData[limit.key]);
    if (err) {
      problems.push(`${limit.label}: ${err}`);
    }
  }
  const storeErr = dumpStoreDirError(jsonData.dumpStoreDir);
  if (storeErr) {
    problems.push(`Upload directory: ${storeErr}`);
  }
  const dirs = jsonData.dumpDirectories ?? [];
  dirs.forEach((d, i) => {
    const which = d.name ? `Dump directory "${d.name}"` : `Dump directory ${i + 1}`;
    for (const err of Object.values(
      dumpDirectoryErrors(
        d,
        dirs.map((x) => x.name)
      )
    )) {
      if (err) {
        problems.push(`${which}: ${err}`);
      }
    }
  });
  if (jsonData.objectStorage && (jsonData.objectStorage.endpoint || jsonData.objectStorage.bucket)) {
    for (const err of Object.values(objectStorageErrors(jsonData.objectStorage))) {
      if (err) {
        problems.push(`Object storage: ${err}`);
      }
    }
  }
  const buckets = jsonData.dumpBuckets ?? [];
  buckets.forEach((b, i) => {
    const which = b.name ? `Dump bucket "${b.name}"` : `Dump bucket ${i + 1}`;
    const errs = dumpBucketErrors(
      b,
      buckets.map((x) => x.name),
      jsonData.objectStorage
    );
    for (const err of Object.values(errs)) {
      if (err) {
        problems.push(`${which}: ${err}`);
      }
    }
  });
  const headerErr = headerNameError(jsonData.authHeaderName);
  if (headerErr) {
    problems.push(`Auth header name: ${headerErr}`);
  }
  const targets = jsonData.targets ?? [];
  const names = targets.map((t) => t.name);
  targets.forEach((t, i) => {
    const which = t.name ? `Target "${t.name}"` : `Target ${i + 1}`;
    for (const err of Object.values(targetErrors(t, names))) {
      if (err) {
        problems.push(`${which}: ${err}`);
      }
    }
  });
  problems.push(...evidenceProblems(jsonData));
  problems.push(...discoveryProblems(jsonData.discovery));
  return Array.from(new Set(problems));
}

// Capture rules: pkg/capturerules (Rule.Validate) and pkg/settings
// (evidence.go), message for message.

export const CAPTURE_FIGURES = ['goroutines', 'threads', 'os_threads', 'rss_bytes', 'heap_inuse_bytes'];

/** Figures only a target's Prometheus metrics page gives. */
export const NEEDS_METRICS_URL = new Set(['os_threads', 'rss_bytes', 'heap_inuse_bytes']);

const MAX_SAMPLES = 1000;
const MIN_COOLDOWN_MINUTES = 1;
const MAX_COOLDOWN_MINUTES = 7 * 24 * 60;

export interface CaptureRuleScope {
  /** Set for a target's rules: the figures of the data source's rules. */
  sharedFigures?: string[];
  /** For a target's rules: whether the target has a metrics URL. */
  hasMetricsUrl?: boolean;
  maxProfileSeconds: number;
}

/** Every problem of one rule among the rules of its scope. */
export function captureRuleErrors(rule: CaptureRule, rules: CaptureRule[], scope: CaptureRuleScope): string[] {
  const errs: string[] = [];
  if (rules.filter((r) => r.figure === rule.figure).length > 1) {
    errs.push('the figure has two rules; keep one');
  }
  if (rule.disabled) {
    if (!scope.sharedFigures) {
      errs.push(
        "only a target's rule can be disabled (it turns the data source's rule off for that target); remove the rule instead"
      );
    } else if (!scope.sharedFigures.includes(rule.figure)) {
      errs.push('disables a rule the data source does not have');
    }
    return errs;
  }
  if (!CAPTURE_FIGURES.includes(rule.figure)) {
    errs.push(`figure "${rule.figure}" is not one a rule can watch; use one of ${CAPTURE_FIGURES.join(', ')}`);
  }
  const min = rule.min ?? 0;
  const diff = rule.diff ?? 0;
  const abs = rule.abs ?? 0;
  if (min < 0 || diff < 0 || abs < 0) {
    errs.push('min, diff and abs cannot be negative');
  }
  if (diff === 0 && abs === 0) {
    errs.push(
      'set abs (a value that always fires) or diff (a percentage above the recent mean), or both; with neither the rule never fires'
    );
  }
  if (abs > 0 && min > abs) {
    errs.push(
      `min (${formatFigure(rule.figure, min)}) is above abs (${formatFigure(rule.figure, abs)}), so abs could never fire`
    );
  }
  const samples = rule.samples ?? 0;
  if (samples < 0 || samples > MAX_SAMPLES) {
    errs.push(`samples must be between 1 and ${MAX_SAMPLES}, not ${samples}`);
  }
  const cooldown = rule.cooldownMinutes ?? 0;
  if (cooldown !== 0 && (cooldown < MIN_COOLDOWN_MINUTES || cooldown > MAX_COOLDOWN_MINUTES)) {
    errs.push(
      `the cooldown must be between ${MIN_COOLDOWN_MINUTES} and ${MAX_COOLDOWN_MINUTES} minutes, not ${cooldown}`
    );
  }
  const cpu = rule.cpuSeconds ?? 0;
  const trace = rule.traceSeconds ?? 0;
  if (cpu < 0 || trace < 0) {
    errs.push('cpuSeconds and traceSeconds cannot be negative');
  } else if (cpu > scope.maxProfileSeconds || trace > scope.maxProfileSeconds) {
    errs.push(
      `a CPU profile or trace of more than ${scope.maxProfileSeconds} s is longer than the maximum CPU profile duration allows`
    );
  }
  if (scope.sharedFigures && scope.hasMetricsUrl === false && NEEDS_METRICS_URL.has(rule.figure)) {
    errs.push('the target has no metrics URL, so the rule would never fire');
  }
  return errs;
}

/** A figure's value as the backend writes it in messages: bytes in binary units, counts with separators. */
export function formatFigure(figure: string, v: number): string {
  if (figure.endsWith('_bytes')) {
    return formatSize(v);
  }
  return Number.isInteger(v) ? v.toLocaleString('en-US') : v.toFixed(1);
}

/** Mirrors dumpformat.FormatSize. */
function formatSize(n: number): string {
  if (n < 1024) {
    return `${Math.trunc(n)} B`;
  }
  const units = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];
  let value = n / 1024;
  let i = 0;
  while (value >= 1024 && i < units.length - 1) {
    value /= 1024;
    i++;
  }
  return Number.isInteger(value) ? `${value} ${units[i]}` : `${value.toFixed(1)} ${units[i]}`;
}

/** A rule's name in messages, as the backend writes it. */
export function captureRuleName(rule: CaptureRule, index: number, target?: string): string {
  const scope = target !== undefined ? `target "${target}": capture rule` : 'capture rule';
  return rule.figure ? `${scope} on ${rule.figure}` : `${scope} ${index + 1}`;
}

/** Mirrors the evidence settings: full dump cadence, history directory, capture quota. */
export function evidenceProblems(jsonData: PprofOptions): string[] {
  const problems: string[] = [];
  const record = jsonData.recordIntervalSeconds || LIMITS.recordIntervalSeconds.defaultValue;
  // Left unset, the minimum interval follows shorter full dump intervals down.
  const minInterval = jsonData.minIntervalSeconds || 0;
  const fullDump = jsonData.fullDumpIntervalSeconds ?? 0;
  if (fullDump !== 0 && !jsonData.recordDisabled && fullDump < record) {
    problems.push(
      `Full dump interval (${fullDump} s) must not be shorter than the recording interval (${record} s): full dumps are taken on recording rounds`
    );
  } else if (fullDump !== 0 && fullDump < minInterval) {
    problems.push(
      `Full dump interval (${fullDump} s) must not be shorter than the minimum interval between fetches (${minInterval} s)`
    );
  }
  const historyErr = historyDirError(jsonData.historyDir);
  if (historyErr) {
    problems.push(historyErr);
  }
  const storeQuota = jsonData.dumpQuotaMiB || LIMITS.dumpQuotaMiB.defaultValue;
  if ((jsonData.captureQuotaMiB ?? 0) > storeQuota) {
    problems.push(
      `Capture quota per target (MiB) must be between 1 and the dump store quota (${storeQuota} MiB), not ${jsonData.captureQuotaMiB}`
    );
  }
  const maxProfileSeconds = jsonData.maxProfileSeconds || LIMITS.maxProfileSeconds.defaultValue;
  const shared = jsonData.captureRules ?? [];
  shared.forEach((r, i) => {
    for (const e of captureRuleErrors(r, shared, { maxProfileSeconds })) {
      problems.push(`${captureRuleName(r, i)}: ${e}`);
    }
  });
  const sharedFigures = shared.filter((r) => !r.disabled).map((r) => r.figure);
  let anyRules = shared.length > 0;
  for (const t of jsonData.targets ?? []) {
    const own = t.captureRules ?? [];
    anyRules = anyRules || own.length > 0;
    own.forEach((r, i) => {
      const scope = { sharedFigures, hasMetricsUrl: Boolean(t.metricsUrl), maxProfileSeconds };
      for (const e of captureRuleErrors(r, own, scope)) {
        problems.push(`${captureRuleName(r, i, t.name)}: ${e}`);
      }
    });
  }
  if (anyRules && jsonData.recordDisabled && (jsonData.targets ?? []).length > 0) {
    problems.push("Capture rules are evaluated on the recorder's samples: turn recording on, or remove the rules");
  }
  return problems;
}
