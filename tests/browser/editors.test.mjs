// Real-browser test of the plugin's editors: the ConfigEditor and the
// QueryEditor from src/ (with the real DataSource class) are bundled into a
// page and driven in headless Chromium the way a person uses them. The
// backend resources are answered by ./resources.mjs in the backend's shapes;
// @grafana/runtime is replaced by ./shims/grafana-runtime.mjs. Screenshots
// of both editors go to test-artifacts/.
//
//   node tests/browser/editors.test.mjs      (or npm run test:browser)

import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

import {
  assert,
  assertNoPageErrors,
  assertNoWrappedLabels,
  buildPage,
  launchBrowser,
  openPage,
  repoRoot,
  run,
  screenshot,
  serve,
} from './harness.mjs';
import { CHUNK_SIZE, fakeResources } from './resources.mjs';

const UID = 'pprof-browser';
// Handed to the config editor as if it were the stored header value; it must never reach the page.
const SECRET = 'Bearer s3cret-token-7f9c2e';

const TARGETS = [
  { name: 'api-1', url: 'http://10.0.0.7:6060/debug/pprof', labels: { env: 'prod', team: 'core' } },
  { name: 'worker-1', url: 'http://10.0.0.8:6060/debug/pprof', labels: { env: 'prod' } },
  { name: 'legacy', url: 'http://10.0.0.9:6060/debug/pprof' },
];

const DUMPS = [
  {
    id: 'c2b1d0a3f47e6a1e1c8f0c7b9b5e1a4d6f3e2c1b0a9d8c7e6f5a4b3c2d1e0f9a',
    source: 'upload',
    name: 'goroutine-2026-11-20T09-12-00.txt',
    format: 'goroutine-text',
    formatDescription: 'goroutine dump (debug=2)',
    profile: 'goroutine',
    size: 48213,
    capturedAt: '2026-11-20T09:12:00Z',
    capturedFrom: 'name',
    uploader: 'admin',
    uploadedAt: '2026-11-20T09:15:41Z',
  },
  {
    id: 'dir:holmes:goroutine.20261121.log',
    source: 'dir:holmes',
    name: 'goroutine.20261121.log',
    format: 'goroutine-debug1',
    formatDescription: 'goroutine profile (debug=1)',
    profile: 'goroutine',
    size: 9668,
    capturedAt: '2026-11-21T08:00:02Z',
    capturedFrom: 'modified',
    modifiedAt: '2026-11-21T08:00:02Z',
  },
];

const fixture = {
  // What Grafana hands a config editor: stored secrets appear only as secureJsonFields.
  settings: {
    id: 7,
    uid: UID,
    orgId: 1,
    name: 'Go pprof',
    type: 'goscope-pprof-datasource',
    typeName: 'Go pprof',
    access: 'proxy',
    url: '',
    basicAuth: false,
    isDefault: false,
    readOnly: false,
    jsonData: {},
    secureJsonFields: { authHeaderValue: true },
    // Grafana never sends a stored secret back; it is here to show the editor would not reveal it.
    secureJsonData: { authHeaderValue: SECRET },
  },
  instanceSettings: {
    id: 7,
    uid: UID,
    type: 'goscope-pprof-datasource',
    name: 'Go pprof',
    access: 'proxy',
    readOnly: false,
    meta: { id: 'goscope-pprof-datasource', name: 'Go pprof', type: 'datasource', info: { version: '0.1.0' } },
    jsonData: { maxProfileSeconds: 60 },
  },
};

const dir = await mkdtemp(join(tmpdir(), 'editors-browser-'));
await writeFile(join(dir, 'fixture.json'), JSON.stringify(fixture));

// Real runtime output from the Go tests' data: a small debug=2 dump, which the
// editor sends in one request, and a 2 MB SIGQUIT dump of a busy process,
// larger than the 1 MiB the editor sends whole, so it goes in chunks.
async function realDump(gzPath) {
  await mkdir(join(dir, 'dumps'), { recursive: true });
  const bytes = gunzipSync(await readFile(join(repoRoot, gzPath)));
  const path = join(dir, 'dumps', basename(gzPath, '.gz'));
  await writeFile(path, bytes);
  return { path, name: basename(path), bytes, sha256: createHash('sha256').update(bytes).digest('hex') };
}
const smallDump = await realDump('pkg/goroutines/testdata/go1.26/goroutine.debug2.txt.gz');
const notADump = { name: 'notes.txt', path: join(dir, 'notes.txt') };
await writeFile(notADump.path, 'not a Go dump at all\n');
const largeDump = await realDump('pkg/goroutines/testdata/corpus/go1.19-scenario-x3/sigquit.gotraceback-all.txt.gz');

await buildPage({
  entry: join(repoRoot, 'tests/browser/editors.page.jsx'),
  outDir: dir,
  title: 'editors',
  alias: { '@grafana/runtime': join(repoRoot, 'tests/browser/shims/grafana-runtime.mjs') },
});
const resources = fakeResources({ uid: UID, targets: TARGETS, dumps: DUMPS });
const server = await serve(dir, { handle: resources.handle });
const browser = await launchBrowser();

async function open(editor, readyText) {
  const page = await openPage(browser, `${server.url}#${editor}`);
  await page.getByText(readyText, { exact: true }).first().waitFor({ timeout: 30000 });
  const pageError = await page.evaluate(() => window.__pageError);
  assert(!pageError, `the page failed: ${pageError}`);
  return page;
}

const lastChange = (page) => page.evaluate(() => window.__changes[window.__changes.length - 1]);
const runs = (page) => page.evaluate(() => window.__runs);

/** Waits until the editor has reported a change for which check holds, and returns it. */
async function changeWhere(page, check, what) {
  const deadline = Date.now() + 15000;
  for (;;) {
    const change = await lastChange(page);
    if (change && check(change)) {
      return change;
    }
    assert(Date.now() < deadline, `no change with ${what}; last: ${JSON.stringify(change)}`);
    await page.waitForTimeout(100);
  }
}

function assertEqualJSON(got, want, what) {
  const a = JSON.stringify(got);
  const b = JSON.stringify(want);
  assert(a === b, `${what}: got ${a}, want ${b}`);
}

/** Opens a Grafana Combobox and returns its options. */
async function comboboxOptions(page, input) {
  await page.locator(input).click();
  const options = page.getByRole('option');
  await options.first().waitFor({ timeout: 10000 });
  return options;
}

// Clicks an option with time between press and release, as a hand does:
// when both land in one frame, Grafana's Combobox (downshift, controlled)
// reports the choice three times, and the editor runs the query three times.
const HUMAN_CLICK = { delay: 80 };

function pickRadio(page, name) {
  return page.getByRole('radio', { name, exact: true }).check();
}

async function configEditor() {
  const page = await open('config', 'Targets');
  try {
    // The configured secret shows as such, and its value is nowhere in the DOM.
    const secret = page.locator('#auth-header-value');
    assert((await secret.inputValue()) === 'configured', 'the stored header value is not shown as configured');
    assert(await secret.isDisabled(), 'a configured secret is editable without a reset');
    const values = await page.evaluate(() => [...document.querySelectorAll('input, textarea')].map((i) => i.value));
    assert(!values.includes(SECRET) && !(await page.content()).includes(SECRET), 'the secret is in the DOM');

    await page.getByRole('button', { name: 'Add target' }).click();
    const row = page.locator('[data-testid="target-row"]');
    await row.waitFor();
    // Required fields' labels end in " *".
    await row.getByLabel(/^Name/).fill('api-1');
    const url = row.getByLabel(/^pprof URL/);
    await url.fill('ftp://x');
    const message = page.getByText('"ftp://x" must start with http:// or https://', { exact: true });
    await message.waitFor({ timeout: 10000 });
    assert(await page.getByText('Save & test will report these problems').isVisible(), 'no summary of problems');
    await page.getByRole('button', { name: 'Add dump directory' }).click();
    await assertNoWrappedLabels(page);
    await page.getByRole('button', { name: 'Remove dump directory 1' }).click();
    const shot = await screenshot(page, 'editor-config.png');

    await url.fill(TARGETS[0].url);
    await message.waitFor({ state: 'detached', timeout: 10000 });
    assert((await page.getByText('Save & test will report these problems').count()) === 0, 'problems remain');

    const options = await lastChange(page);
    assertEqualJSON(options.jsonData.targets, [{ name: 'api-1', url: TARGETS[0].url }], 'jsonData.targets');
    assert(options.secureJsonFields.authHeaderValue === true, 'the stored secret was dropped');

    // Reset makes the secret editable and tells Grafana to clear it.
    await page.getByRole('button', { name: 'Reset' }).click();
    const reset = await changeWhere(page, (o) => o.secureJsonFields.authHeaderValue === false, 'the secret reset');
    assert(reset.secureJsonData.authHeaderValue === '', 'the reset kept a value');
    assert(
      !(await secret.isDisabled()) && (await secret.inputValue()) === '',
      'the reset field is not empty and editable'
    );
    // A capture rule with holmes' defaults; without diff and abs it says it never fires.
    const captures = page.getByRole('region', { name: 'Captures' });
    await captures.getByRole('button', { name: 'Add rule' }).click();
    const rule = captures.locator('[data-testid="capture-rule"]');
    await rule.getByLabel('Diff (%)').fill('');
    await rule.getByLabel('Abs').fill('');
    const never = rule.getByText(/with neither the rule never fires/);
    await never.waitFor({ timeout: 10000 });
    const rules = await changeWhere(page, (o) => o.jsonData.captureRules?.[0]?.diff === undefined, 'the rule edit');
    assertEqualJSON(rules.jsonData.captureRules, [{ figure: 'goroutines', min: 3000 }], 'jsonData.captureRules');
    const ruleShot = await screenshot(page, 'editor-capture-rule.png');

    assertNoPageErrors(page);
    console.log(`     screenshot ${shot}`);
    console.log(`     screenshot ${ruleShot}`);
  } finally {
    await page.close();
  }
}

async function queryEditor() {
  const page = await open('query', 'Query type');
  try {
    // The target picker lists what GET targets returned, with their labels.
    const options = await comboboxOptions(page, '[id$="-A-target"]');
    const texts = (await options.allInnerTexts()).map((t) => t.replace(/\s+/g, ' ').trim());
    const want = ['All targets Every configured target', 'api-1 env=prod, team=core', 'worker-1 env=prod', 'legacy'];
    assertEqualJSON(texts, want, 'target options');
    await options.filter({ hasText: 'worker-1' }).click(HUMAN_CLICK);
    await changeWhere(page, (q) => q.target === 'worker-1', 'target worker-1');

    await pickRadio(page, 'Goroutines');
    await changeWhere(page, (q) => q.queryType === 'goroutines', 'query type goroutines');
    await pickRadio(page, 'Groups');
    const grouped = await changeWhere(page, (q) => q.view === 'groups', 'view groups');
    assertEqualJSON(grouped, { refId: 'A', queryType: 'goroutines', target: 'worker-1', view: 'groups' }, 'query');
    assert((await runs(page)) === 3, `onRunQuery ran ${await runs(page)} times, want once per change`);

    // Reading a dump: the picker lists the stored dumps; uploads add to them.
    await pickRadio(page, 'Dump');
    await changeWhere(page, (q) => q.dump === '', 'an empty dump');
    const dumpOptions = await comboboxOptions(page, '[id$="-A-source-dump"]');
    assert((await dumpOptions.count()) === DUMPS.length, `dump options: ${await dumpOptions.allInnerTexts()}`);
    await page.keyboard.press('Escape');

    const before = resources.calls.length;
    const picked = await upload(page, smallDump);
    assertEqualJSON(
      resources.calls
        .slice(before)
        .filter((c) => c.method !== 'GET')
        .map((c) => `${c.method} ${c.path}${c.search}`),
      [`POST dumps?name=${smallDump.name}`],
      `requests for a ${smallDump.bytes.length}-byte dump`
    );
    assertEqualJSON(picked, { refId: 'A', queryType: 'goroutines', view: 'groups', dump: smallDump.sha256 }, 'query');
    assert(resources.stored.get(smallDump.sha256)?.equals(smallDump.bytes), 'the stored bytes differ from the file');
    console.log(`     ${smallDump.bytes.length} bytes in one request`);

    const start = resources.calls.length;
    await upload(page, largeDump);
    assertChunked(
      resources.calls.slice(start).filter((c) => c.method !== 'GET'),
      largeDump
    );
    assert(resources.stored.get(largeDump.sha256)?.equals(largeDump.bytes), 'the stored bytes differ from the file');

    // The new dump is described from its entry.
    const details = await page.getByTestId('dump-details').innerText();
    assert(/^crash or SIGQUIT output · .* by admin$/.test(details), `dump details: ${details}`);
    assert(await page.getByText('SIGQUIT: quit', { exact: true }).isVisible(), "the dump's first line is not shown");

    const dumps = await comboboxOptions(page, '[id$="-A-source-dump"]');
    assert((await dumps.count()) === DUMPS.length + 2, 'the uploads are not listed');
    await page.keyboard.press('Escape');

    // A refused file leaves its reason and nothing else: no progress of what was refused.
    await page.getByRole('button', { name: 'Upload', exact: true }).click();
    await page.locator('input[type="file"]').setInputFiles(notADump.path);
    await page
      .getByText(`${notADump.name}: unrecognised data: not a Go dump, profile or trace`)
      .waitFor({ timeout: 10000 });
    assert(await page.getByText(`Upload of ${notADump.name} failed`).isVisible(), 'the refusal names no file');
    assert((await page.getByTestId('dump-upload-status').count()) === 0, 'the progress of a refused upload stays');
    assert(!(await page.getByText(/ B of /).count()), 'a byte count of the refused upload stays');
    console.log(`     screenshot ${await screenshot(page, 'editor-upload-refused.png')}`);
    await assertNoWrappedLabels(page);
    await page.getByRole('button', { name: 'Upload', exact: true }).click();

    // Every query type's fields keep their labels on one line.
    for (const type of ['Metrics', 'Profile', 'Dumps']) {
      await pickRadio(page, type);
      await page.mouse.move(0, 0);
      await assertNoWrappedLabels(page);
    }
    assert(await page.getByText('Dump source', { exact: true }).isVisible(), 'the dumps query shows no dump source');
    // The refusal is the one failed request.
    page.errors = page.errors.filter(
      (e) => !e.startsWith(`400 ${server.url}api/datasources/uid/${UID}/resources/dumps?name=${notADump.name}`)
    );
    assertNoPageErrors(page);
    console.log(`     screenshot ${await screenshot(page, 'editor-query.png')}`);
  } finally {
    await page.close();
  }
}

/**
 * Opens the upload panel, gives its file input the dump, waits until the
 * editor picks the stored dump and checks that the picker shows it.
 */
async function upload(page, dump) {
  await page.getByRole('button', { name: 'Upload', exact: true }).click();
  await page.locator('input[type="file"]').setInputFiles(dump.path);
  const query = await changeWhere(page, (q) => q.dump === dump.sha256, `dump ${dump.name} picked`);
  await page.waitForFunction(
    (name) => document.querySelector('[id$="-A-source-dump"]').value.startsWith(`${name} (`),
    dump.name,
    { timeout: 10000 }
  );
  return query;
}

/** One begin, chunks of the size the server asked for at consecutive offsets, one finish. */
function assertChunked(calls, dump) {
  const size = dump.bytes.length;
  const [begin, ...rest] = calls;
  const finish = rest.pop();
  assert(begin?.method === 'POST' && begin.path === 'dumps/uploads', `first request ${begin?.method} ${begin?.path}`);
  assertEqualJSON(begin.body, { name: dump.name, size }, 'upload start');
  const offsets = [];
  for (let offset = 0; offset < size; offset += CHUNK_SIZE) {
    offsets.push(offset);
  }
  assertEqualJSON(
    rest.map((c) => `${c.method} ${c.path}${c.search} ${c.body.length}`),
    offsets.map((o) => `PUT dumps/uploads/u1?offset=${o} ${Math.min(CHUNK_SIZE, size - o)}`),
    'chunks'
  );
  assert(finish?.method === 'POST' && finish.path === 'dumps/uploads/u1/finish', `last request ${finish?.path}`);
  console.log(`     ${size} bytes in ${offsets.length} chunks at offsets ${offsets.join(', ')}`);
}

await run([
  ['config editor: targets, URL validation, settings reported, secrets kept hidden', configEditor],
  ['query editor: target list, goroutines groups query, whole and chunked dump uploads', queryEditor],
]);

await browser.close();
await server.close();
await rm(dir, { recursive: true, force: true });
