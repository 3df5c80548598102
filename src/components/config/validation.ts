import { DumpDirectoryConfig, PprofOptions, TargetConfig } from '../../types';
import { limitError, LIMITS } from './limits';

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

export function dumpStoreDirError(dir: string | undefined): string | undefined {
  return dir && !isAbsolutePath(dir) ? `Dump store directory "${dir}" must be an absolute path` : undefined;
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
  return Array.from(new Set(problems));
}
