import React from 'react';
import { InlineField } from '@grafana/ui';

import { CaptureRulesEditor } from './CaptureRulesEditor';
import { LimitField } from './LimitsSection';
import { LIMITS } from './limits';
import { Settings } from './secrets';
import { CONFIG_LABEL_WIDTH } from '../layout';

interface Props {
  options: Settings;
  onOptionsChange: (options: Settings) => void;
}

/** The data source's capture rules and the room each target's captures may take. */
export function CaptureSection({ options, onOptionsChange }: Props) {
  const { jsonData } = options;
  return (
    <>
      <InlineField
        label="Rules"
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip="min: never below; diff: percent above the mean of the previous samples; abs: always above; cooldown: quiet time after a capture."
      >
        <CaptureRulesEditor
          idPrefix="capture-rule"
          rules={jsonData.captureRules}
          scope={{ maxProfileSeconds: jsonData.maxProfileSeconds || LIMITS.maxProfileSeconds.defaultValue }}
          onChange={(captureRules) => onOptionsChange({ ...options, jsonData: { ...jsonData, captureRules } })}
        />
      </InlineField>
      <LimitField limit={LIMITS.captureQuotaMiB} options={options} onOptionsChange={onOptionsChange} />
    </>
  );
}
