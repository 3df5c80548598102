import React, { ReactNode } from 'react';
import { DataSourcePluginOptionsEditorProps } from '@grafana/data';
import { Alert, Box, Divider, Stack, Text } from '@grafana/ui';

import { PprofOptions, PprofSecureJsonData } from '../types';
import { AuthSection } from './config/AuthSection';
import { BucketSourcesEditor } from './config/BucketSourcesEditor';
import { CaptureSection } from './config/CaptureSection';
import { DiscoverySection } from './config/DiscoverySection';
import { DumpsSection } from './config/DumpsSection';
import { LimitsSection, RecordingSection } from './config/LimitsSection';
import { ObjectStorageSection } from './config/ObjectStorageSection';
import { TargetsEditor } from './config/TargetsEditor';
import { TlsSection } from './config/TlsSection';
import { settingsProblems } from './config/validation';

type Props = DataSourcePluginOptionsEditorProps<PprofOptions, PprofSecureJsonData>;

export function ConfigEditor({ options, onOptionsChange }: Props) {
  const problems = settingsProblems(options.jsonData);
  return (
    <Stack direction="column" gap={2}>
      <Section
        title="Targets"
        description="Go services whose net/http/pprof endpoints this data source reads. Queries name targets; they never carry addresses. Save & test checks each one."
      >
        <TargetsEditor options={options} onOptionsChange={onOptionsChange} />
      </Section>
      <Divider />
      <Section
        title="Target discovery"
        description="Find targets in DNS, a Prometheus server's targets or file_sd files, refreshed in the background. Every discovered URL must match the allow-list; discovery does not start without one. Configured targets keep their names."
      >
        <DiscoverySection options={options} onOptionsChange={onOptionsChange} />
      </Section>
      <Divider />
      <Section title="Authentication" description="A header sent to every target that has no value of its own.">
        <AuthSection options={options} onOptionsChange={onOptionsChange} />
      </Section>
      <Divider />
      <Section title="TLS">
        <TlsSection options={options} onOptionsChange={onOptionsChange} />
      </Section>
      <Divider />
      <Section
        title="Limits"
        description="Protect Grafana and the targets: dumps of large processes stop the world while they are written."
      >
        <LimitsSection options={options} onOptionsChange={onOptionsChange} />
      </Section>
      <Divider />
      <Section title="History">
        <RecordingSection options={options} onOptionsChange={onOptionsChange} />
      </Section>
      <Divider />
      <Section
        title="Captures"
        description="Rules evaluated on every recorded sample, as holmes does inside a service: when one fires, the goroutine dump, heap, threadcreate and goroutine profiles (and on request a CPU profile and a trace) are captured into the dump store under the target's own source, with the reason. Targets can override a rule."
      >
        <CaptureSection options={options} onOptionsChange={onOptionsChange} />
      </Section>
      <Divider />
      <Section
        title="Dumps"
        description="Dumps uploaded from the query editor are kept on the Grafana server. Dump directories are read as they are: each file is a snapshot at its capture time."
      >
        <DumpsSection options={options} onOptionsChange={onOptionsChange} />
      </Section>
      <Divider />
      <Section
        title="Object storage"
        description="Keep uploaded and captured dumps in an S3-compatible bucket instead of the upload directory: every Grafana replica configured with the same bucket and prefix sees the same dumps. Bucket sources are read like dump directories, from prefixes that services or a sidecar ship dumps to."
      >
        <ObjectStorageSection options={options} onOptionsChange={onOptionsChange} />
        <BucketSourcesEditor options={options} onOptionsChange={onOptionsChange} />
      </Section>
      {problems.length > 0 && (
        <Alert severity="warning" title="Save & test will report these problems">
          <ul>
            {problems.map((p) => (
              <li key={p}>{p}</li>
            ))}
          </ul>
        </Alert>
      )}
    </Stack>
  );
}

function Section({ title, description, children }: { title: string; description?: string; children: ReactNode }) {
  return (
    <section aria-label={title}>
      <Text element="h3" variant="h4">
        {title}
      </Text>
      {description && (
        <Box marginBottom={2}>
          <Text color="secondary" element="p">
            {description}
          </Text>
        </Box>
      )}
      {children}
    </section>
  );
}
