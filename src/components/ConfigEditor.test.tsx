import { fireEvent, screen, within } from '@testing-library/react';

import { PprofSecureJsonData } from '../types';
import { Settings } from './config/secrets';
import { renderEditor, settings } from '../testing/configEditor';

const targetRows = () => screen.getAllByTestId('target-row');
const secure = (s: Settings) => s.secureJsonData as PprofSecureJsonData;

describe('ConfigEditor targets', () => {
  it('adds a target and edits its fields', () => {
    const latest = renderEditor(settings({}));

    fireEvent.click(screen.getByRole('button', { name: 'Add target' }));
    const row = within(targetRows()[0]);
    fireEvent.change(row.getByLabelText('Name *'), { target: { value: 'api-1' } });
    fireEvent.change(row.getByLabelText('pprof URL *'), { target: { value: 'http://api-1:6060/debug/pprof' } });
    fireEvent.change(row.getByLabelText('Metrics URL'), { target: { value: 'http://api-1:6060/metrics' } });
    fireEvent.click(row.getByRole('button', { name: 'Add label' }));
    fireEvent.change(row.getByLabelText('Label 1 name'), { target: { value: 'env' } });
    fireEvent.change(row.getByLabelText('Label 1 value'), { target: { value: 'prod' } });
    fireEvent.blur(row.getByLabelText('Label 1 value'));

    expect(latest.current.jsonData.targets).toEqual([
      {
        name: 'api-1',
        url: 'http://api-1:6060/debug/pprof',
        metricsUrl: 'http://api-1:6060/metrics',
        labels: { env: 'prod' },
      },
    ]);
    expect(screen.getByRole('group', { name: 'Target 1: api-1' })).toBeInTheDocument();
  });

  it('removes and reorders targets, keeping each row with its own drafts', () => {
    const latest = renderEditor(
      settings({
        targets: [
          { name: 'a', url: 'http://a/debug/pprof', labels: { env: 'prod' } },
          { name: 'b', url: 'http://b/debug/pprof' },
          { name: 'c', url: 'http://c/debug/pprof' },
        ],
      })
    );

    fireEvent.click(within(targetRows()[0]).getByRole('button', { name: 'Move down' }));
    expect(latest.current.jsonData.targets?.map((t) => t.name)).toEqual(['b', 'a', 'c']);
    expect(within(targetRows()[1]).getByLabelText('Label 1 name')).toHaveValue('env');

    fireEvent.click(within(targetRows()[2]).getByRole('button', { name: 'Remove target' }));
    expect(latest.current.jsonData.targets?.map((t) => t.name)).toEqual(['b', 'a']);
    expect(within(targetRows()[0]).getByRole('button', { name: 'Move up' })).toBeDisabled();
  });
});

describe('ConfigEditor validation messages', () => {
  it('explains a URL without a scheme, one with a query, and credentials in a metrics URL', () => {
    renderEditor(
      settings({
        targets: [
          { name: 'a', url: 'localhost:6060/debug/pprof' },
          { name: 'b', url: 'http://b:6060/debug/pprof?debug=1', metricsUrl: 'http://user:pw@b:6060/metrics' },
        ],
      })
    );

    expect(screen.getByText('"localhost:6060/debug/pprof" must start with http:// or https://')).toBeInTheDocument();
    expect(
      screen.getByText('"http://b:6060/debug/pprof?debug=1" must not carry a query or fragment')
    ).toBeInTheDocument();
    expect(
      screen.getByText('"http://user:pw@b:6060/metrics" must not carry credentials; use the auth header setting')
    ).toBeInTheDocument();
  });

  it('flags a missing URL and duplicate and malformed names', () => {
    renderEditor(
      settings({
        targets: [
          { name: 'api', url: 'http://a/debug/pprof' },
          { name: 'api', url: '' },
          { name: '-bad name', url: 'http://c/debug/pprof' },
        ],
      })
    );

    expect(screen.getAllByText('The name is used twice; names must be unique')).toHaveLength(2);
    expect(screen.getByText('A URL is required, e.g. http://host:6060/debug/pprof')).toBeInTheDocument();
    expect(
      screen.getByText('The name may only hold letters, digits and . _ : - (and must start with a letter or digit)')
    ).toBeInTheDocument();
  });

  it('flags label names the backend refuses', () => {
    renderEditor(
      settings({ targets: [{ name: 'a', url: 'http://a/debug/pprof', labels: { '1env': 'x', target: 'y' } }] })
    );

    expect(screen.getByText('Label name "1env" must match [A-Za-z_][A-Za-z0-9_]*')).toBeInTheDocument();
    expect(screen.getByText('Label name "target" is set by the plugin itself; choose another')).toBeInTheDocument();
  });

  it('flags a label name typed twice', () => {
    renderEditor(settings({ targets: [{ name: 'a', url: 'http://a/debug/pprof', labels: { env: 'prod' } }] }));
    const row = within(targetRows()[0]);

    fireEvent.click(row.getByRole('button', { name: 'Add label' }));
    fireEvent.change(row.getByLabelText('Label 2 name'), { target: { value: 'env' } });

    expect(screen.getAllByText('"env" is set twice')).toHaveLength(2);
  });

  it('flags header names and limits out of range', () => {
    renderEditor(
      settings({ authHeaderName: 'X Token', timeoutSeconds: 900, maxResponseMiB: 1.5, recordIntervalSeconds: 2 })
    );

    expect(screen.getByText('"X Token" is not a valid HTTP header name')).toBeInTheDocument();
    expect(screen.getByText('Must be between 1 and 600, not 900')).toBeInTheDocument();
    expect(screen.getByText('Must be a whole number')).toBeInTheDocument();
    expect(screen.getByText('Must be between 5 and 3600, not 2')).toBeInTheDocument();
  });

  it('stores a limit as a number and an emptied one as unset', () => {
    const latest = renderEditor(settings({ timeoutSeconds: 20 }));

    fireEvent.change(screen.getByLabelText('Max CPU profile (s)'), { target: { value: '120' } });
    fireEvent.change(screen.getByLabelText('Timeout (s)'), { target: { value: '' } });

    expect(latest.current.jsonData.maxProfileSeconds).toBe(120);
    expect(latest.current.jsonData.timeoutSeconds).toBeUndefined();
  });
});

describe('ConfigEditor dumps', () => {
  it('adds a dump directory and explains a relative path and a bad glob', () => {
    const latest = renderEditor(settings({}));

    fireEvent.click(screen.getByRole('button', { name: 'Add dump directory' }));
    fireEvent.change(screen.getByLabelText('Directory 1 name'), { target: { value: 'holmes' } });
    fireEvent.change(screen.getByLabelText('Directory 1 path'), { target: { value: 'var/log/holmes' } });
    fireEvent.change(screen.getByLabelText('Directory 1 files'), { target: { value: 'goroutine.[' } });

    expect(latest.current.jsonData.dumpDirectories).toEqual([
      { name: 'holmes', path: 'var/log/holmes', glob: 'goroutine.[' },
    ]);
    expect(
      screen.getByText('Path "var/log/holmes" must be an absolute path on the Grafana server')
    ).toBeInTheDocument();
    expect(screen.getByText('Glob "goroutine.[" is not valid: syntax error in pattern')).toBeInTheDocument();

    fireEvent.click(screen.getByRole('button', { name: 'Remove dump directory 1' }));
    expect(latest.current.jsonData.dumpDirectories).toBeUndefined();
  });

  it('checks the upload directory and the store limits', () => {
    renderEditor(settings({ dumpStoreDir: 'dumps', maxUploadMiB: 5000 }));

    expect(screen.getByText('Dump store directory "dumps" must be an absolute path')).toBeInTheDocument();
    expect(screen.getByText('Must be between 1 and 4096, not 5000')).toBeInTheDocument();
  });

  it('sums up every problem before Save & test', () => {
    renderEditor(settings({ maxUploadMiB: 5000, targets: [{ name: 'a', url: '' }] }));

    const summary = within(screen.getByRole('alert', { name: 'Save & test will report these problems' }));
    expect(summary.getAllByRole('listitem').map((li) => li.textContent)).toEqual([
      'Max upload (MiB): Must be between 1 and 4096, not 5000',
      'Target "a": A URL is required, e.g. http://host:6060/debug/pprof',
    ]);
  });
});

describe('ConfigEditor secrets', () => {
  it('shows a stored shared header value only as configured, and resets it', () => {
    const latest = renderEditor(settings({ authHeaderName: 'X-Token' }, { authHeaderValue: true }));
    const input = screen.getByLabelText('Header value');

    expect(input).toHaveValue('configured');
    expect(input).toBeDisabled();

    fireEvent.click(
      within(screen.getByRole('region', { name: 'Authentication' })).getByRole('button', { name: 'Reset' })
    );

    expect(latest.current.secureJsonFields.authHeaderValue).toBe(false);
    expect(secure(latest.current).authHeaderValue).toBe('');
    expect(screen.getByLabelText('Header value')).toHaveValue('');
  });

  it("keys a target's own header value by the target name", () => {
    const latest = renderEditor(settings({ targets: [{ name: 'api-1', url: 'http://a/debug/pprof' }] }));

    fireEvent.change(within(targetRows()[0]).getByLabelText('Auth header value'), {
      target: { value: 'Bearer s3cret' },
    });

    expect(secure(latest.current)['targetAuthHeaderValue.api-1']).toBe('Bearer s3cret');
    expect(latest.current.jsonData).not.toHaveProperty('targetAuthHeaderValue.api-1');
  });

  it('clears a stored target header value when the target is renamed, so no other target inherits it', () => {
    const latest = renderEditor(
      settings({ targets: [{ name: 'api-1', url: 'http://a/debug/pprof' }] }, { 'targetAuthHeaderValue.api-1': true })
    );
    const row = within(targetRows()[0]);
    expect(row.getByLabelText('Auth header value')).toHaveValue('configured');

    fireEvent.change(row.getByLabelText('Name *'), { target: { value: 'api-2' } });

    expect(latest.current.secureJsonFields['targetAuthHeaderValue.api-1']).toBe(false);
    expect(secure(latest.current)['targetAuthHeaderValue.api-1']).toBe('');
    expect(row.getByLabelText('Auth header value')).toHaveValue('');
  });

  it('clears a stored target header value when the target is removed', () => {
    const latest = renderEditor(
      settings({ targets: [{ name: 'api-1', url: 'http://a/debug/pprof' }] }, { 'targetAuthHeaderValue.api-1': true })
    );

    fireEvent.click(within(targetRows()[0]).getByRole('button', { name: 'Remove target' }));

    expect(latest.current.jsonData.targets).toEqual([]);
    expect(secure(latest.current)['targetAuthHeaderValue.api-1']).toBe('');
  });

  it('takes TLS certificates as secret text, shown only as configured', () => {
    const latest = renderEditor(settings({ tlsAuth: true, tlsAuthWithCACert: true }, { tlsCACert: true }));

    expect(screen.getByLabelText('CA certificate')).toHaveValue('configured');
    fireEvent.change(screen.getByLabelText('Client certificate'), { target: { value: 'not a certificate' } });

    expect(secure(latest.current).tlsClientCert).toBe('not a certificate');
    expect(screen.getByText('Expected PEM text starting with -----BEGIN')).toBeInTheDocument();
    expect(screen.getAllByText('Required while this option is on')).toHaveLength(1);
  });
});

describe('ConfigEditor captures', () => {
  it('adds a capture rule with holmes-like defaults and says what is wrong with it', () => {
    const latest = renderEditor(settings({}));
    const captures = within(screen.getByRole('region', { name: 'Captures' }));

    fireEvent.click(captures.getByRole('button', { name: 'Add rule' }));
    expect(latest.current.jsonData.captureRules).toEqual([{ figure: 'goroutines', min: 3000, diff: 25, abs: 200000 }]);

    const rule = within(captures.getByTestId('capture-rule'));
    fireEvent.change(rule.getByLabelText('Diff (%)'), { target: { value: '' } });
    fireEvent.change(rule.getByLabelText('Abs'), { target: { value: '' } });
    fireEvent.change(rule.getByLabelText('Cooldown (min)'), { target: { value: '30' } });
    expect(latest.current.jsonData.captureRules).toEqual([{ figure: 'goroutines', min: 3000, cooldownMinutes: 30 }]);
    expect(rule.getByText(/set abs \(a value that always fires\)/)).toBeInTheDocument();

    fireEvent.click(rule.getByRole('button', { name: 'Remove rule' }));
    expect(latest.current.jsonData.captureRules).toBeUndefined();
  });

  it("overrides or turns off the data source's rule for one target", () => {
    const latest = renderEditor(
      settings({
        captureRules: [{ figure: 'goroutines', diff: 25 }],
        targets: [{ name: 'api-1', url: 'http://api-1:6060/debug/pprof' }],
      })
    );
    const row = within(targetRows()[0]);
    fireEvent.click(row.getByRole('button', { name: 'Add override' }));
    expect(latest.current.jsonData.targets?.[0].captureRules).toEqual([{ figure: 'goroutines', abs: 20000 }]);

    fireEvent.click(within(row.getByTestId('capture-rule')).getByLabelText('Off'));
    expect(latest.current.jsonData.targets?.[0].captureRules).toEqual([{ figure: 'goroutines', disabled: true }]);
    expect(within(row.getByTestId('capture-rule')).queryByLabelText('Abs')).not.toBeInTheDocument();
  });

  it('turns goroutine states over time off and sets where history is kept', () => {
    const latest = renderEditor(settings({}));
    const history = within(screen.getByRole('region', { name: 'History' }));
    fireEvent.change(history.getByLabelText('Full dump interval (s)'), { target: { value: '120' } });
    expect(latest.current.jsonData.fullDumpIntervalSeconds).toBe(120);
    fireEvent.change(history.getByLabelText('History directory'), { target: { value: 'var/history' } });
    expect(history.getByText('History directory "var/history" must be an absolute path')).toBeInTheDocument();

    fireEvent.click(history.getByLabelText('Goroutine states over time'));
    expect(latest.current.jsonData.fullDumpsDisabled).toBe(true);
    expect(history.queryByLabelText('Full dump interval (s)')).not.toBeInTheDocument();
  });
});

describe('ConfigEditor object storage', () => {
  const region = () => within(screen.getByRole('region', { name: 'Object storage' }));

  it('puts the dump store in a bucket with its keys as secrets', () => {
    const latest = renderEditor(settings({}));

    fireEvent.change(region().getByLabelText('Endpoint'), { target: { value: 'http://seaweedfs:8333' } });
    fireEvent.change(region().getByLabelText('Bucket'), { target: { value: 'grafana-pprof' } });
    fireEvent.change(region().getByLabelText('Prefix'), { target: { value: 'prod' } });
    fireEvent.click(region().getByLabelText('Path-style addressing'));
    fireEvent.change(region().getByLabelText('Access key'), { target: { value: 'ak' } });
    fireEvent.change(region().getByLabelText('Secret key'), { target: { value: 'sk' } });

    expect(latest.current.jsonData.objectStorage).toEqual({
      endpoint: 'http://seaweedfs:8333',
      bucket: 'grafana-pprof',
      prefix: 'prod',
      pathStyle: true,
    });
    expect(secure(latest.current).objectStorageAccessKey).toBe('ak');
    expect(secure(latest.current).objectStorageSecretKey).toBe('sk');
    expect(screen.queryByRole('alert', { name: 'Save & test will report these problems' })).not.toBeInTheDocument();
  });

  it('says what is wrong with an endpoint or bucket, and goes back to the directory when both are cleared', () => {
    const latest = renderEditor(
      settings(
        { objectStorage: { endpoint: 'http://s3:8333/grafana', bucket: 'Bad_Bucket' } },
        { objectStorageSecretKey: true }
      )
    );

    expect(region().getByText(/must not have a path/)).toBeInTheDocument();
    expect(region().getByText(/"Bad_Bucket" is not a bucket name/)).toBeInTheDocument();
    expect(region().getByLabelText('Secret key')).toHaveValue('configured');

    fireEvent.change(region().getByLabelText('Endpoint'), { target: { value: '' } });
    fireEvent.change(region().getByLabelText('Bucket'), { target: { value: '' } });

    expect(latest.current.jsonData.objectStorage).toBeUndefined();
  });

  it('adds bucket sources that share the store’s endpoint or have their own, with keys by name', () => {
    const latest = renderEditor(settings({}));

    fireEvent.click(region().getByRole('button', { name: 'Add bucket source' }));
    const row = () => within(screen.getAllByTestId('dump-bucket-row')[0]);
    fireEvent.change(row().getByLabelText('Bucket source 1 name'), { target: { value: 'holmes' } });
    fireEvent.change(row().getByLabelText('Bucket source 1 prefix'), { target: { value: 'holmes/api' } });
    expect(row().getByText(/configure object storage for this source to share/)).toBeInTheDocument();

    fireEvent.change(row().getByLabelText('Bucket source 1 endpoint'), { target: { value: 'https://s3.example' } });
    fireEvent.change(row().getByLabelText('Bucket source 1 bucket'), { target: { value: 'crashes' } });
    fireEvent.change(row().getByLabelText('Source 1 access key'), { target: { value: 'holmes-ak' } });

    expect(latest.current.jsonData.dumpBuckets).toEqual([
      { name: 'holmes', prefix: 'holmes/api', endpoint: 'https://s3.example', bucket: 'crashes' },
    ]);
    expect(secure(latest.current)['dumpBucketAccessKey.holmes']).toBe('holmes-ak');
    expect(row().queryByText(/configure object storage/)).not.toBeInTheDocument();
  });

  it('moves a typed key with a renamed source', () => {
    const latest = renderEditor(
      settings({ dumpBuckets: [{ name: 'a', endpoint: 'https://s3.example', bucket: 'crashes' }] })
    );
    const row = () => within(screen.getAllByTestId('dump-bucket-row')[0]);

    fireEvent.change(row().getByLabelText('Source 1 secret key'), { target: { value: 'sk' } });
    fireEvent.change(row().getByLabelText('Bucket source 1 name'), { target: { value: 'ab' } });

    expect(secure(latest.current)['dumpBucketSecretKey.ab']).toBe('sk');
    expect(secure(latest.current)['dumpBucketSecretKey.a']).toBeUndefined();
  });

  it('clears a removed source’s stored keys', () => {
    const latest = renderEditor(
      settings(
        { dumpBuckets: [{ name: 'old', endpoint: 'https://s3.example', bucket: 'crashes' }] },
        { 'dumpBucketAccessKey.old': true, 'dumpBucketSecretKey.old': true }
      )
    );

    fireEvent.click(region().getByRole('button', { name: 'Remove bucket source 1' }));

    expect(latest.current.jsonData.dumpBuckets).toBeUndefined();
    expect(latest.current.secureJsonFields['dumpBucketAccessKey.old']).toBe(false);
    expect(secure(latest.current)['dumpBucketSecretKey.old']).toBe('');
  });
});
