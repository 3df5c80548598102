import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { Button, Combobox, IconButton, InlineField, InlineSwitch, Input, Stack, Text, useStyles2 } from '@grafana/ui';

import { CaptureRule } from '../../types';
import { CAPTURE_FIGURES, captureRuleErrors, CaptureRuleScope, NEEDS_METRICS_URL } from './validation';

interface Props {
  idPrefix: string;
  rules: CaptureRule[] | undefined;
  scope: CaptureRuleScope;
  onChange: (rules: CaptureRule[] | undefined) => void;
}

const FIGURE_OPTIONS = CAPTURE_FIGURES.map((f) => ({
  value: f,
  label: f,
  description: NEEDS_METRICS_URL.has(f) ? 'From the metrics URL' : 'From the pprof index page',
}));

/** A first rule with holmes' goroutine defaults: at least 3000, 25% above the mean, or above 200k. */
const NEW_RULE: CaptureRule = { figure: 'goroutines', min: 3000, diff: 25, abs: 200000 };

type NumberKey = 'min' | 'diff' | 'abs' | 'samples' | 'cooldownMinutes' | 'cpuSeconds' | 'traceSeconds';

const NUMBER_FIELDS: Array<{ key: NumberKey; label: string; tooltip: string; placeholder: string }> = [
  { key: 'min', label: 'Min', tooltip: 'Never fires below this value.', placeholder: 'none' },
  {
    key: 'diff',
    label: 'Diff (%)',
    tooltip: 'Fires at this percentage above the mean of the previous samples (which it waits for).',
    placeholder: 'off',
  },
  { key: 'abs', label: 'Abs', tooltip: 'Fires whenever the value is above this.', placeholder: 'off' },
  { key: 'samples', label: 'Samples', tooltip: 'How many previous samples diff compares with.', placeholder: '10' },
  {
    key: 'cooldownMinutes',
    label: 'Cooldown (min)',
    tooltip: 'After a capture, this rule stays quiet for the target this long.',
    placeholder: '10',
  },
  {
    key: 'cpuSeconds',
    label: 'CPU profile (s)',
    tooltip: 'Adds a CPU profile of this length to the capture.',
    placeholder: 'none',
  },
  {
    key: 'traceSeconds',
    label: 'Trace (s)',
    tooltip: 'Adds an execution trace of this length to the capture.',
    placeholder: 'none',
  },
];

/**
 * Capture rules of the data source, or a target's overrides (which replace
 * the data source's rule on the same figure, or turn it off).
 */
export function CaptureRulesEditor({ idPrefix, rules, scope, onChange }: Props) {
  const styles = useStyles2(getStyles);
  const list = rules ?? [];
  const forTarget = scope.sharedFigures !== undefined;
  const set = (i: number, rule: CaptureRule) => onChange(list.map((r, j) => (j === i ? rule : r)));
  const remove = (i: number) => {
    const next = list.filter((_, j) => j !== i);
    onChange(next.length > 0 ? next : undefined);
  };

  return (
    <Stack direction="column" gap={1}>
      {list.map((rule, i) => {
        const id = (field: string) => `${idPrefix}-${i}-${field}`;
        const errors = captureRuleErrors(rule, list, scope);
        return (
          <div key={i} className={styles.rule} data-testid="capture-rule" aria-label={`Capture rule on ${rule.figure}`}>
            <Stack alignItems="center" wrap="wrap" gap={0.5}>
              <InlineField label="Figure" labelWidth={10}>
                <Combobox
                  id={id('figure')}
                  width={24}
                  options={FIGURE_OPTIONS}
                  value={
                    FIGURE_OPTIONS.find((o) => o.value === rule.figure) ?? { value: rule.figure, label: rule.figure }
                  }
                  onChange={(o) => set(i, { ...rule, figure: o.value })}
                />
              </InlineField>
              {forTarget && (
                <InlineField label="Off" tooltip="Turn the data source's rule on this figure off for this target.">
                  <InlineSwitch
                    id={id('disabled')}
                    value={Boolean(rule.disabled)}
                    onChange={(e) =>
                      set(
                        i,
                        e.currentTarget.checked ? { figure: rule.figure, disabled: true } : { figure: rule.figure }
                      )
                    }
                  />
                </InlineField>
              )}
              {!rule.disabled &&
                NUMBER_FIELDS.map((f) => (
                  <InlineField key={f.key} label={f.label} tooltip={f.tooltip}>
                    <Input
                      id={id(f.key)}
                      type="number"
                      width={12}
                      value={rule[f.key] ?? ''}
                      placeholder={f.placeholder}
                      onChange={(e) => {
                        const text = e.currentTarget.value.trim();
                        set(i, { ...rule, [f.key]: text === '' ? undefined : Number(text) });
                      }}
                    />
                  </InlineField>
                ))}
              <IconButton name="trash-alt" tooltip="Remove rule" onClick={() => remove(i)} />
            </Stack>
            {errors.map((e) => (
              <Text key={e} color="error" element="p" variant="bodySmall">
                {e}
              </Text>
            ))}
          </div>
        );
      })}
      <div>
        <Button
          variant="secondary"
          icon="plus"
          size="sm"
          onClick={() => onChange([...list, forTarget ? { figure: 'goroutines', abs: 20000 } : NEW_RULE])}
        >
          {forTarget ? 'Add override' : 'Add rule'}
        </Button>
      </div>
    </Stack>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  rule: css({
    borderLeft: `2px solid ${theme.colors.border.medium}`,
    paddingLeft: theme.spacing(1),
  }),
});
