import { dumpDirectoryErrors, labelNameError, settingsProblems, targetNameError, urlError } from './validation';

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
