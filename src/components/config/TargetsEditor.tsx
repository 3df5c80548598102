import React, { useState } from 'react';
import { Button, Text } from '@grafana/ui';

import { TargetConfig, targetAuthKey } from '../../types';
import { isSecretSet, releaseTargetSecret, resetSecret, setSecret, Settings, typedSecret } from './secrets';
import { LIMITS } from './limits';
import { TargetRow } from './TargetRow';
import { targetErrors } from './validation';

interface Props {
  options: Settings;
  onOptionsChange: (options: Settings) => void;
}

/** The list of targets: add, remove, reorder, and each target's fields. */
export function TargetsEditor({ options, onOptionsChange }: Props) {
  const targets = options.jsonData.targets ?? [];
  const names = targets.map((t) => t.name);
  const rowIds = useRowKeys(targets.length);

  const withTargets = (base: Settings, next: TargetConfig[]): Settings => ({
    ...base,
    jsonData: { ...base.jsonData, targets: next },
  });

  const replace = (index: number, target: TargetConfig) =>
    onOptionsChange(
      withTargets(
        options,
        targets.map((t, i) => (i === index ? target : t))
      )
    );

  // Another row may still carry the old name (duplicates are flagged, not
  // prevented); its secret is then left alone.
  const nameStillUsed = (name: string, exceptIndex: number) =>
    targets.some((t, i) => i !== exceptIndex && t.name === name);

  const rename = (index: number, name: string) => {
    const old = targets[index].name;
    let next = options;
    if (old && !nameStillUsed(old, index)) {
      next = releaseTargetSecret(options, old, name);
    }
    onOptionsChange(
      withTargets(
        next,
        targets.map((t, i) => (i === index ? { ...t, name } : t))
      )
    );
  };

  const remove = (index: number) => {
    const old = targets[index].name;
    const next = old && !nameStillUsed(old, index) ? releaseTargetSecret(options, old) : options;
    rowIds.remove(index);
    onOptionsChange(
      withTargets(
        next,
        targets.filter((_, i) => i !== index)
      )
    );
  };

  const move = (index: number, delta: -1 | 1) => {
    const to = index + delta;
    if (to < 0 || to >= targets.length) {
      return;
    }
    const next = [...targets];
    [next[index], next[to]] = [next[to], next[index]];
    rowIds.swap(index, to);
    onOptionsChange(withTargets(options, next));
  };

  const add = () => {
    rowIds.add();
    onOptionsChange(withTargets(options, [...targets, { name: '', url: '' }]));
  };

  return (
    <div>
      {targets.length === 0 && (
        <Text color="secondary" element="p">
          No targets yet. Add the services whose /debug/pprof endpoints Grafana should read.
        </Text>
      )}
      {targets.map((target, index) => {
        const key = targetAuthKey(target.name);
        return (
          <TargetRow
            key={rowIds.ids[index]}
            rowId={rowIds.ids[index]}
            index={index}
            count={targets.length}
            target={target}
            errors={targetErrors(target, names)}
            captureScope={{
              sharedFigures: (options.jsonData.captureRules ?? []).filter((r) => !r.disabled).map((r) => r.figure),
              hasMetricsUrl: Boolean(target.metricsUrl),
              maxProfileSeconds: options.jsonData.maxProfileSeconds || LIMITS.maxProfileSeconds.defaultValue,
            }}
            secretConfigured={Boolean(target.name) && isSecretSet(options, key)}
            secretValue={target.name ? typedSecret(options, key) : ''}
            onChange={(t) => replace(index, t)}
            onRename={(name) => rename(index, name)}
            onSecretChange={(value) => onOptionsChange(setSecret(options, key, value))}
            onSecretReset={() => onOptionsChange(resetSecret(options, key))}
            onMove={(delta) => move(index, delta)}
            onRemove={() => remove(index)}
          />
        );
      })}
      <Button variant="secondary" icon="plus" onClick={add}>
        Add target
      </Button>
    </div>
  );
}

/**
 * Keys for the rows, kept in step with adds, removals and moves: a row's
 * drafts (such as a half-typed label) stay with it when others move.
 */
function useRowKeys(count: number) {
  const [keys, setKeys] = useState(() => ({ next: count, ids: Array.from({ length: count }, (_, i) => i) }));
  let ids = keys.ids;
  // The settings were replaced from outside (e.g. reloaded): start afresh.
  if (ids.length !== count) {
    ids = Array.from({ length: count }, (_, i) => keys.next + i);
    setKeys({ next: keys.next + count, ids });
  }
  return {
    ids,
    add: () => setKeys((k) => ({ next: k.next + 1, ids: [...k.ids, k.next] })),
    remove: (index: number) => setKeys((k) => ({ ...k, ids: k.ids.filter((_, i) => i !== index) })),
    swap: (a: number, b: number) =>
      setKeys((k) => {
        const next = [...k.ids];
        [next[a], next[b]] = [next[b], next[a]];
        return { ...k, ids: next };
      }),
  };
}
