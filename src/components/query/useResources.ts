import { useCallback, useEffect, useState } from 'react';
import { getTemplateSrv } from '@grafana/runtime';
import { ComboboxOption } from '@grafana/ui';

import { PprofApi, toApiError } from '../../api';
import { DumpInfo, DumpSource, TargetInfo } from '../../types';

interface Result<T> {
  value: T;
  error?: string;
  /** Which request this is the answer to. */
  generation: number;
}

/** Loads a resource while `enabled`, again whenever `reload` is called. */
function useLoaded<T>(load: () => Promise<T>, empty: T, enabled: boolean) {
  const [generation, setGeneration] = useState(0);
  const [result, setResult] = useState<Result<T> | undefined>();

  useEffect(() => {
    if (!enabled) {
      return;
    }
    let current = true;
    load().then(
      (value) => current && setResult({ value, generation }),
      (err) => current && setResult((r) => ({ value: r?.value ?? empty, error: toApiError(err).message, generation }))
    );
    return () => {
      current = false;
    };
    // `load` and `empty` are recreated on every render; what to load only changes with these.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [enabled, generation]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return {
    value: result?.value ?? empty,
    error: result?.error,
    loading: enabled && result?.generation !== generation,
    reload,
  };
}

const NO_TARGETS: TargetInfo[] = [];
const NO_DUMPS: DumpInfo[] = [];
const NO_SOURCES: DumpSource[] = [];

export function useTargets(api: PprofApi, enabled = true) {
  return useLoaded(() => api.listTargets(), NO_TARGETS, enabled);
}

export function useDumps(api: PprofApi, enabled: boolean) {
  return useLoaded(() => api.listDumps(), NO_DUMPS, enabled);
}

export type DumpsState = ReturnType<typeof useDumps>;

export function useDumpSources(api: PprofApi, enabled = true) {
  return useLoaded(() => api.listDumpSources(), NO_SOURCES, enabled);
}

export type DumpSourcesState = ReturnType<typeof useDumpSources>;

/** Dashboard variables as picker options, so a query can follow a variable. */
export function variableOptions(): Array<ComboboxOption<string>> {
  return getTemplateSrv()
    .getVariables()
    .map((v) => ({ value: `$${v.name}`, label: `$${v.name}`, group: 'Variables' }));
}
