import React from 'react';
import { InlineField } from '@grafana/ui';

import { CommitInput, parseWholeNumber } from './CommitInput';

interface Props {
  id: string;
  label: string;
  labelWidth: number;
  tooltip: string;
  value: number | undefined;
  /** The range accepted; without max, any whole number from min on. */
  min: number;
  max?: number;
  placeholder: string;
  width: number;
  onCommit: (value: number | undefined) => void;
}

/** A whole number input that says when the number is out of its range. */
export function WholeNumberField({
  id,
  label,
  labelWidth,
  tooltip,
  value,
  min,
  max,
  placeholder,
  width,
  onCommit,
}: Props) {
  const error = wholeNumberError(value, min, max);
  return (
    <InlineField label={label} labelWidth={labelWidth} tooltip={tooltip} invalid={Boolean(error)} error={error}>
      <CommitInput
        id={id}
        type="number"
        min={min}
        value={value?.toString()}
        placeholder={placeholder}
        width={width}
        onCommit={(v) => onCommit(parseWholeNumber(v))}
      />
    </InlineField>
  );
}

/** Why a whole number is out of its range (without max, any from min on); undefined when it is not, or unset. */
export function wholeNumberError(
  value: number | undefined,
  min: number,
  max = Number.MAX_SAFE_INTEGER
): string | undefined {
  if (value === undefined) {
    return undefined;
  }
  if (!Number.isInteger(value) || value < min || value > max) {
    return max === Number.MAX_SAFE_INTEGER ? `A whole number, ${min} or more` : `A whole number from ${min} to ${max}`;
  }
  return undefined;
}
