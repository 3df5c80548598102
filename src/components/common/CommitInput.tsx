import React, { KeyboardEvent, useState } from 'react';
import { Input } from '@grafana/ui';

interface Props {
  id: string;
  value: string | undefined;
  /** Called with the text when the person leaves the field or presses Enter, and only if it changed. */
  onCommit: (value: string) => void;
  placeholder?: string;
  width?: number;
  type?: 'text' | 'number';
  min?: number;
  invalid?: boolean;
  'data-testid'?: string;
}

/**
 * A text input that reports its value when editing is done rather than on
 * every keystroke, so a query runs once per change, not once per character.
 */
export function CommitInput({ id, value, onCommit, placeholder, width, type = 'text', min, invalid, ...rest }: Props) {
  const [draft, setDraft] = useState({ from: value, text: value ?? '' });
  let text = draft.text;
  // A change from outside (an example applied, a reset) replaces the draft.
  if (draft.from !== value) {
    text = value ?? '';
    setDraft({ from: value, text });
  }
  const setText = (next: string) => setDraft({ from: value, text: next });

  const commit = () => {
    if (text !== (value ?? '')) {
      onCommit(text);
    }
  };

  const onKeyDown = (e: KeyboardEvent<HTMLInputElement>) => {
    if (e.key === 'Enter') {
      commit();
    }
  };

  return (
    <Input
      id={id}
      type={type}
      min={min}
      value={text}
      placeholder={placeholder}
      width={width}
      invalid={invalid}
      data-testid={rest['data-testid']}
      onChange={(e) => setText(e.currentTarget.value)}
      onBlur={commit}
      onKeyDown={onKeyDown}
    />
  );
}

/** Parses a whole number typed in a field; empty means "not set". */
export function parseWholeNumber(text: string): number | undefined {
  const trimmed = text.trim();
  if (trimmed === '') {
    return undefined;
  }
  return Number(trimmed);
}
