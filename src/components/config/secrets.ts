import { DataSourceSettings } from '@grafana/data';

import { PprofOptions, PprofSecureJsonData, targetAuthKey } from '../../types';

// Grafana never sends stored secrets back to the browser: secureJsonFields
// only says which keys are set, and secureJsonData holds what the admin
// typed in this session. Clearing a stored secret means sending an empty
// value for it, which the backend treats as not set.

export type Settings = DataSourceSettings<PprofOptions, PprofSecureJsonData>;

export function isSecretSet(options: Settings, key: string): boolean {
  return Boolean(options.secureJsonFields?.[key]);
}

export function typedSecret(options: Settings, key: string): string {
  return options.secureJsonData?.[key] ?? '';
}

export function setSecret(options: Settings, key: string, value: string): Settings {
  return { ...options, secureJsonData: { ...options.secureJsonData, [key]: value } };
}

export function resetSecret(options: Settings, key: string): Settings {
  return {
    ...options,
    secureJsonFields: { ...options.secureJsonFields, [key]: false },
    secureJsonData: { ...options.secureJsonData, [key]: '' },
  };
}

/**
 * A target's own header value is keyed by the target's name, so renaming or
 * removing the target must not leave it behind: a later target taking that
 * name would otherwise inherit it.
 */
export function releaseTargetSecret(options: Settings, oldName: string, newName?: string): Settings {
  return releaseNamedSecret(
    options,
    targetAuthKey(oldName),
    newName === undefined ? undefined : targetAuthKey(newName)
  );
}

/**
 * Releases a secret keyed by a name that changes (to newKey) or goes
 * (newKey undefined): a stored value is cleared (it cannot be read to move
 * it); a value typed in this session follows the new name.
 */
export function releaseNamedSecret(options: Settings, oldKey: string, newKey?: string): Settings {
  const typed = options.secureJsonData?.[oldKey];
  let next = options;
  if (isSecretSet(options, oldKey)) {
    next = resetSecret(next, oldKey);
  } else if (typed !== undefined) {
    const { [oldKey]: _dropped, ...rest } = options.secureJsonData ?? {};
    next = { ...next, secureJsonData: rest };
  }
  if (newKey !== undefined && typed) {
    next = setSecret(next, newKey, typed);
  }
  return next;
}
