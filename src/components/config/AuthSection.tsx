import React from 'react';
import { InlineField, Input, SecretInput } from '@grafana/ui';

import { CONFIG_LABEL_WIDTH } from '../layout';
import { isSecretSet, resetSecret, setSecret, Settings, typedSecret } from './secrets';
import { headerNameError } from './validation';

interface Props {
  options: Settings;
  onOptionsChange: (options: Settings) => void;
}

const VALUE_KEY = 'authHeaderValue';

/** A header sent to every target that has no value of its own, e.g. a bearer token. */
export function AuthSection({ options, onOptionsChange }: Props) {
  const headerName = options.jsonData.authHeaderName ?? '';
  const nameError = headerNameError(headerName);

  return (
    <>
      <InlineField
        label="Header name"
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip="Empty means Authorization."
        invalid={Boolean(nameError)}
        error={nameError}
      >
        <Input
          id="auth-header-name"
          value={headerName}
          placeholder="Authorization"
          width={40}
          onChange={(e) =>
            onOptionsChange({
              ...options,
              jsonData: { ...options.jsonData, authHeaderName: e.currentTarget.value || undefined },
            })
          }
        />
      </InlineField>
      <InlineField
        label="Header value"
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip="Stored encrypted and never shown again."
      >
        <SecretInput
          id="auth-header-value"
          isConfigured={isSecretSet(options, VALUE_KEY)}
          value={typedSecret(options, VALUE_KEY)}
          placeholder="Bearer …"
          width={40}
          onChange={(e) => onOptionsChange(setSecret(options, VALUE_KEY, e.currentTarget.value))}
          onReset={() => onOptionsChange(resetSecret(options, VALUE_KEY))}
        />
      </InlineField>
    </>
  );
}
