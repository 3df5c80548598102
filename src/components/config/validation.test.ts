import { CaptureRule } from '../../types';
import {
  captureRuleErrors,
  CaptureRuleScope,
  dumpDirectoryErrors,
  labelNameError,
  settingsProblems,
  targetNameError,
  urlError,
} from './validation';

// Cases mirror pkg/settings (validate.go and its tests), so the editor and
// the backend agree on what is valid.

describe('urlError', () => {
  it.each([
    ['http://api-1:6060/debug/pprof', undefined],
    ['https://api-1/debug/pprof/', undefined],
    ['HTTP://api-1:6060/debug/pprof', undefined],
    ['http://[::1]:6060/debug/pprof', undefined],
    ['http://a/debug/pprof?', undefined],
    ['ftp://a/debug/pprof', '"ftp://a/debug/pprof" must start with http:// or https://'],
    ['a:9090', '"a:9090" must start with http:// or https://'],
    ['localhost/debug/pprof', '"localhost/debug/pprof" must start with http:// or https://'],
    ['http:///debug/pprof', '"http:///debug/pprof" has no host'],
    ['http:/a/debug/pprof', '"http:/a/debug/pprof" has no host'],
    ['http://u:p@a/debug/pprof', '"http://u:p@a/debug/pprof" must not carry credentials; use the auth header setting'],
    ['http://a/debug/pprof?debug=2', '"http://a/debug/pprof?debug=2" must not carry a query or fragment'],
    ['http://a/debug/pprof#top', '"http://a/debug/pprof#top" must not carry a query or fragment'],
    ['http://a b/debug/pprof', '"http://a b/debug/pprof" is not a URL'],
  ])('%s', (url, expected) => {
    expect(urlError(url, true)).toBe(expected);
  });

  it('requires the pprof URL but not the metrics URL', () => {
    expect(urlError('', true)).toBe('A URL is required, e.g. http://host:6060/debug/pprof');
    expect(urlError('  ', false)).toBeUndefined();
  });
});

describe('names', () => {
  it.each([
    ['api-1', undefined],
    ['api.prod:6060_x', undefined],
    ['', 'A name is required'],
    ['a b', 'The name may only hold letters, digits and . _ : - (and must start with a letter or digit)'],
    ['-a', 'The name may only hold letters, digits and . _ : - (and must start with a letter or digit)'],
  ])('target name %j', (name, expected) => {
    expect(targetNameError(name, [name])).toBe(expected);
  });

  it.each([
    ['env', undefined],
    ['_x1', undefined],
    ['1x', 'Label name "1x" must match [A-Za-z_][A-Za-z0-9_]*'],
    ['a-b', 'Label name "a-b" must match [A-Za-z_][A-Za-z0-9_]*'],
    ['state', 'Label name "state" is set by the plugin itself; choose another'],
  ])('label name %j', (name, expected) => {
    expect(labelNameError(name)).toBe(expected);
  });
});

describe('dump directories', () => {
  // Whether Go's filepath.Match accepts each pattern, checked with Go.
  it.each([
    ['goroutine.*', true],
    ['*/goroutine.*', true],
    ['[a-z]*.log', true],
    ['[^a]', true],
    ['a\\*', true],
    ['[\\]]', true],
    ['x[ab]y', true],
    ['[', false],
    ['[a', false],
    ['[]', false],
    ['[]a]', false],
    ['[^]', false],
    ['[a-]', false],
    ['[-a]', false],
    ['a\\', false],
  ])('glob %j valid: %s', (glob, valid) => {
    expect(dumpDirectoryErrors({ name: 'holmes', path: '/var/log/holmes', glob }, ['holmes']).glob === undefined).toBe(
      valid
    );
  });

  it('needs a unique, simple name and an absolute path', () => {
    expect(dumpDirectoryErrors({ name: 'a b', path: 'logs' }, ['a b'])).toEqual({
      name: 'The name may only hold letters, digits and . _ -',
      path: 'Path "logs" must be an absolute path on the Grafana server',
      glob: undefined,
    });
    expect(dumpDirectoryErrors({ name: 'x', path: 'C:\\dumps' }, ['x', 'x']).name).toBe(
      'The name is used twice; names must be unique'
    );
  });
});

describe('settingsProblems', () => {
  it('lists every problem with where it is', () => {
    expect(
      settingsProblems({
        timeoutSeconds: 0,
        maxProfileSeconds: 601,
        dumpStoreDir: 'dumps',
        targets: [
          { name: 'a', url: 'ftp://a' },
          { name: '', url: 'http://b/debug/pprof' },
        ],
      })
    ).toEqual([
      'Max CPU profile (s): Must be between 1 and 600, not 601',
      'Upload directory: Dump store directory "dumps" must be an absolute path',
      'Target "a": "ftp://a" must start with http:// or https://',
      'Target 2: A name is required',
    ]);
  });
});

describe('capture rules', () => {
  const scope = { maxProfileSeconds: 30 };
  const errorsOf = (rule: CaptureRule, rules: CaptureRule[] = [rule], s: CaptureRuleScope = scope) =>
    captureRuleErrors(rule, rules, s);

  it.each<[CaptureRule, string]>([
    [{ figure: 'cpu', abs: 1 }, 'figure "cpu" is not one a rule can watch'],
    [{ figure: 'goroutines', min: 10 }, 'set abs (a value that always fires)'],
    [
      { figure: 'rss_bytes', min: 2 * 1024 ** 3, abs: 1024 ** 3 },
      'min (2 GiB) is above abs (1 GiB), so abs could never fire',
    ],
    [{ figure: 'goroutines', min: 5000, abs: 1200 }, 'min (5,000) is above abs (1,200)'],
    [{ figure: 'goroutines', diff: -5 }, 'min, diff and abs cannot be negative'],
    [{ figure: 'goroutines', diff: 5, samples: 5000 }, 'samples must be between 1 and 1000, not 5000'],
    [
      { figure: 'goroutines', diff: 5, cooldownMinutes: 20000 },
      'the cooldown must be between 1 and 10080 minutes, not 20000',
    ],
    [{ figure: 'threads', abs: 1, cpuSeconds: 90 }, 'a CPU profile or trace of more than 30 s'],
    [{ figure: 'threads', disabled: true }, "only a target's rule can be disabled"],
  ])('%j', (rule, want) => {
    expect(errorsOf(rule).join('\n')).toContain(want);
  });

  it('accepts a good rule', () => {
    expect(errorsOf({ figure: 'heap_inuse_bytes', min: 1024 ** 3, diff: 50, abs: 4 * 1024 ** 3 })).toEqual([]);
  });

  it("checks a target's overrides against the data source's rules and the target", () => {
    const target = { sharedFigures: ['goroutines'], hasMetricsUrl: false, maxProfileSeconds: 30 };
    expect(errorsOf({ figure: 'threads', disabled: true }, undefined, target)).toEqual([
      'disables a rule the data source does not have',
    ]);
    expect(errorsOf({ figure: 'goroutines', disabled: true }, undefined, target)).toEqual([]);
    expect(errorsOf({ figure: 'rss_bytes', abs: 1 }, undefined, target)).toEqual([
      'the target has no metrics URL, so the rule would never fire',
    ]);
    const twice: CaptureRule[] = [
      { figure: 'threads', abs: 1 },
      { figure: 'threads', diff: 5 },
    ];
    expect(errorsOf(twice[0], twice)).toEqual(['the figure has two rules; keep one']);
  });

  it('lets the unset minimum interval follow full dumps down, as the backend does', () => {
    expect(settingsProblems({ fullDumpIntervalSeconds: 15 })).toEqual([]);
    expect(settingsProblems({ fullDumpIntervalSeconds: 20, minIntervalSeconds: 30 })).toEqual([
      'Full dump interval (20 s) must not be shorter than the minimum interval between fetches (30 s)',
    ]);
  });

  it('names every problem as the backend does', () => {
    expect(
      settingsProblems({
        fullDumpIntervalSeconds: 10,
        captureQuotaMiB: 4096,
        historyDir: 'relative',
        captureRules: [{ figure: 'goroutines' }],
        targets: [{ name: 'a', url: 'http://a/debug/pprof', captureRules: [{ figure: 'rss_bytes', abs: 1 }] }],
      })
    ).toEqual([
      'Full dump interval (10 s) must not be shorter than the recording interval (15 s): full dumps are taken on recording rounds',
      'History directory "relative" must be an absolute path',
      'Capture quota per target (MiB) must be between 1 and the dump store quota (1024 MiB), not 4096',
      'capture rule on goroutines: set abs (a value that always fires) or diff (a percentage above the recent mean), or both; with neither the rule never fires',
      'target "a": capture rule on rss_bytes: the target has no metrics URL, so the rule would never fire',
    ]);
  });
});
