import React from 'react';
import { InlineField, InlineSwitch, Input, SecretTextArea } from '@grafana/ui';

import { PprofOptions } from '../../types';
import { CONFIG_LABEL_WIDTH } from '../layout';
import { isSecretSet, resetSecret, setSecret, Settings, typedSecret } from './secrets';

interface Props {
  options: Settings;
  onOptionsChange: (options: Settings) => void;
}

/**
 * TLS options under the names Grafana's standard HTTP client settings use
 * (tlsSkipVerify, tlsAuthWithCACert, tlsAuth, serverName; secrets tlsCACert,
 * tlsClientCert, tlsClientKey), which the backend hands to the SDK's client.
 */
export function TlsSection({ options, onOptionsChange }: Props) {
  const { jsonData } = options;
  const setFlag = (key: keyof PprofOptions, value: boolean) =>
    onOptionsChange({ ...options, jsonData: { ...jsonData, [key]: value || undefined } });

  return (
    <>
      <InlineField
        label="Skip TLS verification"
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip="Accept any certificate. Only for testing: it makes the connection open to interception."
      >
        <InlineSwitch
          id="tls-skip-verify"
          value={Boolean(jsonData.tlsSkipVerify)}
          onChange={(e) => setFlag('tlsSkipVerify', e.currentTarget.checked)}
        />
      </InlineField>

      <InlineField
        label="With CA certificate"
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip="Verify targets against your own CA."
      >
        <InlineSwitch
          id="tls-with-ca-cert"
          value={Boolean(jsonData.tlsAuthWithCACert)}
          onChange={(e) => setFlag('tlsAuthWithCACert', e.currentTarget.checked)}
        />
      </InlineField>
      {jsonData.tlsAuthWithCACert && (
        <PemField label="CA certificate" secretKey="tlsCACert" options={options} onOptionsChange={onOptionsChange} />
      )}

      <InlineField
        label="TLS client authentication"
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip="Present a client certificate to the targets."
      >
        <InlineSwitch
          id="tls-client-auth"
          value={Boolean(jsonData.tlsAuth)}
          onChange={(e) => setFlag('tlsAuth', e.currentTarget.checked)}
        />
      </InlineField>
      {jsonData.tlsAuth && (
        <>
          <InlineField
            label="Server name"
            labelWidth={CONFIG_LABEL_WIDTH}
            tooltip="The name the targets' certificates are checked against, when it differs from the URL's host."
          >
            <Input
              id="tls-server-name"
              value={jsonData.serverName ?? ''}
              placeholder="pprof.internal"
              width={40}
              onChange={(e) =>
                onOptionsChange({
                  ...options,
                  jsonData: { ...jsonData, serverName: e.currentTarget.value || undefined },
                })
              }
            />
          </InlineField>
          <PemField
            label="Client certificate"
            secretKey="tlsClientCert"
            options={options}
            onOptionsChange={onOptionsChange}
          />
          <PemField label="Client key" secretKey="tlsClientKey" options={options} onOptionsChange={onOptionsChange} />
        </>
      )}
    </>
  );
}

interface PemFieldProps extends Props {
  label: string;
  secretKey: string;
}

function PemField({ label, secretKey, options, onOptionsChange }: PemFieldProps) {
  const configured = isSecretSet(options, secretKey);
  const typed = typedSecret(options, secretKey);
  const error = pemError(typed, configured);
  return (
    <InlineField
      label={label}
      labelWidth={CONFIG_LABEL_WIDTH}
      tooltip="PEM text. Stored encrypted and never shown again."
      invalid={Boolean(error)}
      error={error}
    >
      <SecretTextArea
        id={`tls-${secretKey}`}
        isConfigured={configured}
        value={typed}
        placeholder="-----BEGIN ..."
        cols={60}
        rows={6}
        onChange={(e) => onOptionsChange(setSecret(options, secretKey, e.currentTarget.value))}
        onReset={() => onOptionsChange(resetSecret(options, secretKey))}
      />
    </InlineField>
  );
}

function pemError(typed: string, configured: boolean): string | undefined {
  if (configured) {
    return undefined;
  }
  if (typed.trim() === '') {
    return 'Required while this option is on';
  }
  if (!typed.includes('-----BEGIN ')) {
    return 'Expected PEM text starting with -----BEGIN';
  }
  return undefined;
}
