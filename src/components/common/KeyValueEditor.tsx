import React, { useState } from 'react';
import { Button, IconButton, InlineField, Input, Stack } from '@grafana/ui';

interface Pair {
  key: string;
  value: string;
}

interface Props {
  /** Names the rows for people and tests, e.g. "Label" gives "Label 1 name". */
  name: string;
  value: Record<string, string> | undefined;
  onChange: (value: Record<string, string> | undefined) => void;
  /** Returns why a key is not acceptable, if it is not. */
  validateKey?: (key: string) => string | undefined;
  idPrefix: string;
  addLabel: string;
}

/**
 * Edits a string map as key = value rows. Rows keep their own order and may
 * be incomplete while typed, so the draft lives here and the map is reported
 * when a field is left or a row removed. Rows without a key are not reported.
 */
export function KeyValueEditor({ name, value, onChange, validateKey, idPrefix, addLabel }: Props) {
  const [draft, setDraft] = useState({ from: value, pairs: toPairs(value) });
  let pairs = draft.pairs;
  // Replace the draft only when the map changed from outside, not when it
  // is the map this editor just reported.
  if (draft.from !== value) {
    if (!sameMap(toMap(pairs), value ?? {})) {
      pairs = toPairs(value);
    }
    setDraft({ from: value, pairs });
  }
  const setPairs = (next: Pair[]) => setDraft({ from: value, pairs: next });

  const report = (next: Pair[]) => {
    const map = toMap(next);
    if (!sameMap(map, value ?? {})) {
      onChange(Object.keys(map).length ? map : undefined);
    }
  };

  const update = (index: number, change: Partial<Pair>) =>
    setPairs(pairs.map((p, i) => (i === index ? { ...p, ...change } : p)));

  const remove = (index: number) => {
    const next = pairs.filter((_, i) => i !== index);
    setPairs(next);
    report(next);
  };

  const counts = new Map<string, number>();
  pairs.forEach((p) => counts.set(p.key, (counts.get(p.key) ?? 0) + 1));

  const keyError = (pair: Pair): string | undefined => {
    if (!pair.key) {
      return pair.value ? 'A name is required' : undefined;
    }
    if ((counts.get(pair.key) ?? 0) > 1) {
      return `"${pair.key}" is set twice`;
    }
    return validateKey?.(pair.key);
  };

  return (
    <Stack direction="column" gap={0}>
      {pairs.map((pair, i) => {
        const error = keyError(pair);
        // Rows are keyed by position: their content is all in `pairs`.
        return (
          <Stack key={i} gap={0} alignItems="flex-start">
            <InlineField label={`${name} ${i + 1} name`} labelWidth={16} invalid={Boolean(error)} error={error}>
              <Input
                id={`${idPrefix}-key-${i}`}
                value={pair.key}
                width={20}
                onChange={(e) => update(i, { key: e.currentTarget.value })}
                onBlur={() => report(pairs)}
              />
            </InlineField>
            <InlineField label="=">
              <Input
                id={`${idPrefix}-value-${i}`}
                aria-label={`${name} ${i + 1} value`}
                value={pair.value}
                width={24}
                onChange={(e) => update(i, { value: e.currentTarget.value })}
                onBlur={() => report(pairs)}
              />
            </InlineField>
            <IconButton name="trash-alt" tooltip={`Remove ${name.toLowerCase()} ${i + 1}`} onClick={() => remove(i)} />
          </Stack>
        );
      })}
      <div>
        <Button
          variant="secondary"
          size="sm"
          icon="plus"
          fill="text"
          onClick={() => setPairs([...pairs, { key: '', value: '' }])}
        >
          {addLabel}
        </Button>
      </div>
    </Stack>
  );
}

function toPairs(map: Record<string, string> | undefined): Pair[] {
  return Object.entries(map ?? {}).map(([key, value]) => ({ key, value }));
}

function toMap(pairs: Pair[]): Record<string, string> {
  const map: Record<string, string> = {};
  for (const p of pairs) {
    if (p.key) {
      map[p.key] = p.value;
    }
  }
  return map;
}

function sameMap(a: Record<string, string>, b: Record<string, string>): boolean {
  const keys = Object.keys(a);
  return keys.length === Object.keys(b).length && keys.every((k) => b[k] === a[k]);
}
