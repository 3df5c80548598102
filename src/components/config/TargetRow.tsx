import React from 'react';
import { css } from '@emotion/css';
import { GrafanaTheme2 } from '@grafana/data';
import { IconButton, InlineField, Input, SecretInput, Stack, Text, useStyles2 } from '@grafana/ui';

import { TargetConfig } from '../../types';
import { KeyValueEditor } from '../common/KeyValueEditor';
import { CONFIG_LABEL_WIDTH } from '../layout';
import { CaptureRulesEditor } from './CaptureRulesEditor';
import { CaptureRuleScope, labelNameError, TargetErrors } from './validation';

interface Props {
  index: number;
  count: number;
  rowId: number;
  target: TargetConfig;
  errors: TargetErrors;
  /** How this target's capture rules are checked against the data source's. */
  captureScope: CaptureRuleScope;
  secretConfigured: boolean;
  secretValue: string;
  onChange: (target: TargetConfig) => void;
  onRename: (name: string) => void;
  onSecretChange: (value: string) => void;
  onSecretReset: () => void;
  onMove: (delta: -1 | 1) => void;
  onRemove: () => void;
}

/** One configured target: where its pprof endpoints are, its labels and its own credentials. */
export function TargetRow(props: Props) {
  const { index, count, rowId, target, errors } = props;
  const styles = useStyles2(getStyles);
  const id = (field: string) => `target-${rowId}-${field}`;
  const title = `Target ${index + 1}${target.name ? `: ${target.name}` : ''}`;

  return (
    <fieldset className={styles.row} aria-label={title} data-testid="target-row">
      <Stack justifyContent="space-between" alignItems="center">
        <Text element="h4" variant="h6">
          {title}
        </Text>
        <Stack gap={0.5}>
          <IconButton name="arrow-up" tooltip="Move up" disabled={index === 0} onClick={() => props.onMove(-1)} />
          <IconButton
            name="arrow-down"
            tooltip="Move down"
            disabled={index === count - 1}
            onClick={() => props.onMove(1)}
          />
          <IconButton name="trash-alt" tooltip="Remove target" onClick={props.onRemove} />
        </Stack>
      </Stack>

      <InlineField
        label="Name"
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip="How queries, variables and frame labels refer to this target."
        invalid={Boolean(errors.name)}
        error={errors.name}
        required
      >
        <Input
          id={id('name')}
          value={target.name}
          placeholder="api-1"
          width={40}
          onChange={(e) => props.onRename(e.currentTarget.value)}
        />
      </InlineField>

      <InlineField
        label="pprof URL"
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip="Base URL of the service's net/http/pprof handlers."
        invalid={Boolean(errors.url)}
        error={errors.url}
        required
      >
        <Input
          id={id('url')}
          value={target.url}
          placeholder="http://host:6060/debug/pprof"
          width={60}
          onChange={(e) => props.onChange({ ...target, url: e.currentTarget.value })}
        />
      </InlineField>

      <InlineField
        label="Metrics URL"
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip="Optional Prometheus /metrics page of the same process, for memory and OS thread figures."
        invalid={Boolean(errors.metricsUrl)}
        error={errors.metricsUrl}
      >
        <Input
          id={id('metrics-url')}
          value={target.metricsUrl ?? ''}
          placeholder="http://host:6060/metrics"
          width={60}
          onChange={(e) => props.onChange({ ...target, metricsUrl: e.currentTarget.value || undefined })}
        />
      </InlineField>

      <InlineField
        label="Labels"
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip="Added to every frame of this target, e.g. env=prod. Names follow Prometheus rules."
        invalid={Boolean(errors.labels)}
      >
        <KeyValueEditor
          name="Label"
          idPrefix={id('label')}
          addLabel="Add label"
          value={target.labels}
          validateKey={labelNameError}
          onChange={(labels) => props.onChange({ ...target, labels })}
        />
      </InlineField>

      <InlineField
        label="Auth header name"
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip="Header for this target's own value; empty uses the shared header name, or Authorization."
        invalid={Boolean(errors.authHeaderName)}
        error={errors.authHeaderName}
      >
        <Input
          id={id('auth-header-name')}
          value={target.authHeaderName ?? ''}
          placeholder="shared header name"
          width={40}
          onChange={(e) => props.onChange({ ...target, authHeaderName: e.currentTarget.value || undefined })}
        />
      </InlineField>

      <InlineField
        label="Auth header value"
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip="Stored encrypted and never shown again. It belongs to the target's name: renaming the target clears it."
        disabled={!target.name}
      >
        <SecretInput
          id={id('auth-header-value')}
          isConfigured={props.secretConfigured}
          value={props.secretValue}
          placeholder={target.name ? 'overrides the shared value' : 'name the target first'}
          width={40}
          onChange={(e) => props.onSecretChange(e.currentTarget.value)}
          onReset={props.onSecretReset}
        />
      </InlineField>

      <InlineField
        label="Capture rules"
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip="Replace the data source's capture rule on the same figure for this target, or turn it off."
      >
        <CaptureRulesEditor
          idPrefix={id('capture-rule')}
          rules={target.captureRules}
          scope={props.captureScope}
          onChange={(captureRules) => props.onChange({ ...target, captureRules })}
        />
      </InlineField>
    </fieldset>
  );
}

const getStyles = (theme: GrafanaTheme2) => ({
  row: css({
    border: `1px solid ${theme.colors.border.weak}`,
    borderRadius: theme.shape.radius.default,
    padding: theme.spacing(1, 2, 2),
    marginBottom: theme.spacing(2),
  }),
});
