import React from 'react';
import { Button, IconButton, InlineField, Input, RadioButtonGroup, SecretInput, Stack } from '@grafana/ui';

import { DiscovererConfig, DiscoveryConfig, discoveryBearerTokenKey, discoveryPasswordKey } from '../../types';
import { WholeNumberField } from '../common/WholeNumberField';
import { CONFIG_LABEL_WIDTH } from '../layout';
import { isSecretSet, resetSecret, setSecret, Settings, typedSecret } from './secrets';
import { discovererErrors, hostPatternError, networkError, portError, splitList } from './discoveryValidation';

interface Props {
  options: Settings;
  onOptionsChange: (options: Settings) => void;
}

const KINDS: Array<{ label: string; value: DiscovererConfig['kind']; description: string }> = [
  { label: 'DNS', value: 'dns', description: 'One target per A/AAAA address of a name' },
  { label: 'SRV', value: 'srv', description: 'One target per SRV record' },
  { label: 'Prometheus', value: 'prometheus', description: "A Prometheus server's active targets" },
  { label: 'File', value: 'file', description: 'Prometheus file_sd files' },
];

const DEFAULT_TEMPLATE: Record<DiscovererConfig['kind'], string> = {
  dns: 'http://{{address}}/debug/pprof',
  srv: 'http://{{address}}/debug/pprof',
  file: 'http://{{address}}/debug/pprof',
  prometheus: 'http://{{host}}:6060/debug/pprof',
};

/** Sources of discovered targets and the allow-list every discovered URL must match. */
export function DiscoverySection({ options, onOptionsChange }: Props) {
  const discovery: DiscoveryConfig = options.jsonData.discovery ?? {};
  const sources = discovery.discoverers ?? [];
  const allow = discovery.allow ?? {};
  const names = sources.map((s) => s.name);

  const setDiscovery = (change: Partial<DiscoveryConfig>, base: Settings = options) =>
    onOptionsChange({ ...base, jsonData: { ...base.jsonData, discovery: { ...discovery, ...change } } });
  const setSources = (next: DiscovererConfig[], base: Settings = options) =>
    setDiscovery({ discoverers: next.length ? next : undefined }, base);
  const update = (index: number, change: Partial<DiscovererConfig>) =>
    setSources(sources.map((s, i) => (i === index ? { ...s, ...change } : s)));

  const listField = (
    key: 'networks' | 'hosts' | 'ports',
    label: string,
    tooltip: string,
    placeholder: string,
    check: (v: string) => string | undefined
  ) => {
    const values = allow[key] ?? [];
    const error = values.map(check).find(Boolean);
    return (
      <InlineField
        label={label}
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip={tooltip}
        invalid={Boolean(error)}
        error={error}
      >
        <Input
          id={`discovery-allow-${key}`}
          value={values.join(', ')}
          placeholder={placeholder}
          width={48}
          onChange={(e) => setDiscovery({ allow: { ...allow, [key]: splitList(e.currentTarget.value) } })}
        />
      </InlineField>
    );
  };

  return (
    <>
      {listField(
        'networks',
        'Allowed networks',
        'CIDR networks, comma-separated: a discovered IP address must lie in one.',
        '10.0.0.0/8, fd00::/8',
        networkError
      )}
      {listField(
        'hosts',
        'Allowed hosts',
        'Host names, exact or *.suffix for the names below it: a discovered name must match one. Names are not resolved to check them.',
        '*.svc.cluster.local',
        hostPatternError
      )}
      {listField('ports', 'Allowed ports', 'Ports and ranges; empty allows any port.', '6060, 8000-8100', portError)}
      <WholeNumberField
        id="discovery-refresh"
        label="Refresh interval (s)"
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip="How often every source is asked again, in the background. A failed refresh keeps the last good targets."
        value={discovery.refreshSeconds}
        min={5}
        max={3600}
        placeholder="30"
        width={12}
        onCommit={(v) => setDiscovery({ refreshSeconds: v })}
      />
      <WholeNumberField
        id="discovery-max-targets"
        label="Max discovered targets"
        labelWidth={CONFIG_LABEL_WIDTH}
        tooltip="Discovered targets kept, in order of name; the rest are left out and counted in Save & test."
        value={discovery.maxTargets}
        min={1}
        max={10000}
        placeholder="1000"
        width={12}
        onCommit={(v) => setDiscovery({ maxTargets: v })}
      />

      {sources.map((s, index) => {
        const errors = discovererErrors(s, names);
        const n = index + 1;
        const field = (
          key:
            'host' | 'resolver' | 'url' | 'path' | 'urlTemplate' | 'metricsUrlTemplate' | 'nameLabel' | 'basicAuthUser',
          label: string,
          placeholder: string,
          tooltip?: string
        ) => (
          <InlineField
            label={label}
            labelWidth={CONFIG_LABEL_WIDTH}
            tooltip={tooltip}
            invalid={Boolean(errors[key as keyof typeof errors])}
            error={errors[key as keyof typeof errors]}
          >
            <Input
              id={`discoverer-${index}-${key}`}
              value={s[key] ?? ''}
              placeholder={placeholder}
              width={48}
              onChange={(e) => update(index, { [key]: e.currentTarget.value || undefined })}
            />
          </InlineField>
        );
        const secret = (key: string, label: string) => (
          <InlineField label={label} labelWidth={CONFIG_LABEL_WIDTH} tooltip="Stored encrypted and never shown again.">
            <SecretInput
              id={`discoverer-${index}-${key.split('.')[0]}`}
              isConfigured={isSecretSet(options, key)}
              value={typedSecret(options, key)}
              width={48}
              onChange={(e) => onOptionsChange(setSecret(options, key, e.currentTarget.value))}
              onReset={() => onOptionsChange(resetSecret(options, key))}
            />
          </InlineField>
        );
        return (
          <fieldset key={index} aria-label={`Discoverer ${n}`} data-testid="discoverer-row">
            <Stack gap={0} alignItems="flex-start" wrap="wrap">
              <InlineField
                label={`Discoverer ${n} name`}
                labelWidth={CONFIG_LABEL_WIDTH}
                invalid={Boolean(errors.name)}
                error={errors.name}
              >
                <Input
                  id={`discoverer-${index}-name`}
                  value={s.name}
                  placeholder="api"
                  width={16}
                  onChange={(e) => update(index, { name: e.currentTarget.value })}
                />
              </InlineField>
              <RadioButtonGroup
                options={KINDS}
                value={s.kind}
                onChange={(kind) => update(index, { kind })}
                aria-label={`Discoverer ${n} kind`}
              />
              <IconButton
                name="trash-alt"
                tooltip={`Remove discoverer ${n}`}
                onClick={() => setSources(sources.filter((_, i) => i !== index))}
              />
            </Stack>
            {(s.kind === 'dns' || s.kind === 'srv') &&
              field(
                'host',
                s.kind === 'dns' ? 'DNS name' : 'SRV name',
                s.kind === 'dns' ? 'api.default.svc.cluster.local' : '_pprof._tcp.api.default.svc.cluster.local'
              )}
            {s.kind === 'dns' && (
              <WholeNumberField
                id={`discoverer-${index}-port`}
                label="Port"
                labelWidth={CONFIG_LABEL_WIDTH}
                tooltip="The port of every address found."
                value={s.port}
                min={1}
                max={65535}
                placeholder="6060"
                width={12}
                onCommit={(port) => update(index, { port })}
              />
            )}
            {(s.kind === 'dns' || s.kind === 'srv') &&
              field(
                'resolver',
                'DNS server',
                "system's",
                'host:port of the DNS server to ask; empty for the system resolver.'
              )}
            {s.kind === 'prometheus' && (
              <>
                {field('url', 'Prometheus URL', 'http://prometheus:9090')}
                <InlineField
                  label="Jobs"
                  labelWidth={CONFIG_LABEL_WIDTH}
                  tooltip="Keeps the targets of these jobs (scrape pool or job label), comma-separated; empty keeps all."
                >
                  <Input
                    id={`discoverer-${index}-jobs`}
                    value={(s.jobs ?? []).join(', ')}
                    placeholder="all"
                    width={48}
                    onChange={(e) => update(index, { jobs: splitList(e.currentTarget.value) })}
                  />
                </InlineField>
                {field('basicAuthUser', 'Basic auth user', 'none')}
                {secret(discoveryPasswordKey(s.name), 'Basic auth password')}
                {secret(discoveryBearerTokenKey(s.name), 'Bearer token')}
              </>
            )}
            {s.kind === 'file' &&
              field(
                'path',
                'File_sd path',
                '/etc/grafana/pprof-targets/*.json',
                'JSON or YAML; a glob reads several files.'
              )}
            {field(
              'urlTemplate',
              'pprof URL template',
              DEFAULT_TEMPLATE[s.kind] ?? '',
              'Maps a discovered address to its pprof URL: {{host}}, {{port}}, {{address}}.'
            )}
            {field(
              'metricsUrlTemplate',
              'Metrics URL template',
              s.kind === 'prometheus' ? 'the scrape URL' : 'none',
              'Maps a discovered address to its Prometheus metrics URL.'
            )}
            {field(
              'nameLabel',
              'Name label',
              s.kind === 'prometheus' || s.kind === 'file' ? 'instance' : 'host:port',
              'The label whose value names a target; without it, host:port.'
            )}
          </fieldset>
        );
      })}
      <Button variant="secondary" icon="plus" onClick={() => setSources([...sources, { name: '', kind: 'dns' }])}>
        Add discoverer
      </Button>
    </>
  );
}
