import React from 'react';
import { InlineField, RadioButtonGroup } from '@grafana/ui';

import { Choice } from '../../queryModel';
import { QUERY_LABEL_WIDTH } from '../layout';

interface Props {
  id: string;
  views: Choice[];
  value: string | undefined;
  onChange: (view: string) => void;
}

/** The shape of the result; an empty value is the backend's default, the first view. */
export function ViewField({ id, views, value, onChange }: Props) {
  return (
    <InlineField
      label="View"
      labelWidth={QUERY_LABEL_WIDTH}
      tooltip={views.map((v) => `${v.label}: ${v.description ?? ''}`).join('\n')}
    >
      <RadioButtonGroup
        id={id}
        options={views.map((v) => ({ value: v.value, label: v.label, description: v.description }))}
        value={value || views[0].value}
        onChange={onChange}
      />
    </InlineField>
  );
}
