// Real-browser test of the built artifact: dist/module.js (npm run build) is
// loaded by SystemJS the way Grafana loads plugins, with the shared packages
// from the real npm packages (see dist.page.jsx). The exported plugin's
// ConfigEditor and QueryEditor are mounted and driven, and the queries they
// build run through the real DataSourceWithBackend to /api/ds/query. The
// page's requests to /api/ are routed (page.route) to ./grafanaapi, which
// answers them with the plugin's real backend code over real dumps and
// profiles. Screenshots go to test-artifacts/, and with UPDATE_SCREENSHOTS=1
// (npm run screenshots) to src/img/ for plugin.json and the README.
//
//   npm run build && node tests/browser/dist.test.mjs      (or npm run test:browser)

import { execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
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

const PLUGIN_ID = 'goscope-pprof-datasource';
const UID = 'pprof-browser';
const dist = join(repoRoot, 'dist');
if (!existsSync(join(dist, 'module.js'))) {
  console.log('FAIL dist/module.js is missing: run npm run build first');
  process.exit(1);
}

const dir = await mkdtemp(join(tmpdir(), 'dist-browser-'));

// The real dumps the data source reads, with fixed times so that screenshots
// show the same dates on every run.
const dumpsDir = join(dir, 'corpus');
await mkdir(dumpsDir);
const CAPTURED = new Date('2026-11-21T08:00:00Z');
const corpus = [
  [
    'goroutine-full.20261121T080000.log',
    gunzipSync(await readFile(join(repoRoot, 'pkg/goroutines/testdata/go1.26/goroutine.debug2.txt.gz'))),
  ],
  ['heap.20261121T080000.pb.gz', await readFile(join(repoRoot, 'pkg/profiles/testdata/heap.pb.gz'))],
];
for (const [name, bytes] of corpus) {
  await writeFile(join(dumpsDir, name), bytes);
  await utimes(join(dumpsDir, name), CAPTURED, CAPTURED);
}

// The plugin's real backend behind Grafana's two API routes.
const apiBinary = join(dir, 'grafanaapi');
execFileSync('go', ['build', '-o', apiBinary, './tests/browser/grafanaapi'], { cwd: repoRoot, stdio: 'inherit' });
const api = spawn(apiBinary, ['-uid', UID, '-dumps', dumpsDir, '-store', join(dir, 'store')], {
  stdio: ['pipe', 'pipe', 'inherit'],
});
const apiBase = await new Promise((resolve, reject) => {
  api.once('exit', (code) => reject(new Error(`grafanaapi exited with ${code}`)));
  createInterface({ input: api.stdout }).on('line', (line) => {
    const m = /^listening on (http:\/\/\S+)$/.exec(line);
    if (m) {
      resolve(m[1]);
    }
  });
});

// Grafana serves a plugin's files under public/plugins/<id>/; the backend binaries are not needed here.
const pluginDir = join(dir, 'public/plugins', PLUGIN_ID);
await mkdir(pluginDir, { recursive: true });
for (const file of ['module.js', 'module.js.map', 'plugin.json', 'img']) {
  await cp(join(dist, file), join(pluginDir, file), { recursive: true });
}

const fixture = {
  settings: {
    id: 7,
    uid: UID,
    orgId: 1,
    name: 'Go pprof',
    type: PLUGIN_ID,
    typeName: 'Go pprof',
    access: 'proxy',
    url: '',
    basicAuth: false,
    isDefault: true,
    readOnly: false,
    jsonData: {
      targets: [
        {
          name: 'demo',
          url: 'http://demo:6060/debug/pprof',
          metricsUrl: 'http://demo:6060/metrics',
          labels: { env: 'demo' },
        },
      ],
      dumpDirectories: [{ name: 'corpus', path: '/var/lib/go-pprof-dumps/demo' }],
    },
    secureJsonFields: {},
  },
  instanceSettings: {
    id: 7,
    uid: UID,
    type: PLUGIN_ID,
    name: 'Go pprof',
    access: 'proxy',
    readOnly: false,
    jsonData: { maxProfileSeconds: 30 },
  },
};
await writeFile(join(dir, 'fixture.json'), JSON.stringify(fixture));

await buildPage({
  entry: join(repoRoot, 'tests/browser/dist.page.jsx'),
  outDir: dir,
  title: 'Go pprof loaded from dist/module.js',
  bootData: {
    settings: { appSubUrl: '', buildInfo: { version: '13.1.0' } },
    user: { orgId: 1, orgRole: 'Viewer' },
    navTree: [],
  },
});
const server = await serve(dir);
const browser = await launchBrowser();

/** Opens the host page with /api/ answered by the plugin's backend; requests holds what /api/ds/query got. */
async function open(hash, readyText) {
  const requests = [];
  const page = await openPage(browser, `${server.url}#${hash}`, {
    setup: (p) =>
      p.route('**/api/**', async (route) => {
        const url = new URL(route.request().url());
        if (url.pathname === '/api/ds/query') {
          requests.push({ search: url.search, body: route.request().postDataJSON() });
        }
        await route.fulfill({ response: await route.fetch({ url: apiBase + url.pathname + url.search }) });
      }),
  });
  page.queryRequests = requests;
  await page
    .waitForFunction(() => window.__plugin || window.__pageError, null, { timeout: 30000 })
    .catch((err) => {
      throw new Error(`${err.message}; page errors: ${page.errors.join('; ')}`);
    });
  const pageError = await page.evaluate(() => window.__pageError);
  assert(!pageError, `the page failed: ${pageError}`);
  await page.getByText(readyText, { exact: true }).first().waitFor({ timeout: 30000 });
  return page;
}

// See editors.test.mjs: a click with time between press and release, as a hand does.
const HUMAN_CLICK = { delay: 80 };

/** Checks a radio button, then moves the pointer off it so its tooltip does not cover the next one. */
async function choose(scope, page, name) {
  await scope.getByRole('radio', { name, exact: true }).check();
  await page.mouse.move(0, 0);
}

async function pick(page, id, text) {
  await page.locator(`[id$="-A-${id}"]`).click();
  await page.getByRole('option').filter({ hasText: text }).first().click(HUMAN_CLICK);
}

/** Does what should run the query once, and returns the frames the page then received. */
async function resultOf(page, action) {
  const before = await page.evaluate(() => window.__runs);
  await action();
  await page.waitForFunction((n) => window.__runs > n && (window.__results || window.__resultError), before, {
    timeout: 30000,
  });
  const [runs, results, error] = await page.evaluate(() => [window.__runs, window.__results, window.__resultError]);
  assert(runs === before + 1, `the action ran the query ${runs - before} times, want once`);
  assert(!error, `the query failed: ${error}`);
  return results;
}

async function loadsThePlugin() {
  const page = await open('config', 'Targets');
  try {
    const plugin = await page.evaluate(() => window.__plugin);
    assert(plugin.isDataSourcePlugin, 'module.js does not export a DataSourcePlugin as plugin');
    for (const component of ['ConfigEditor', 'QueryEditor', 'QueryEditorHelp']) {
      assert(plugin.components.includes(component), `the plugin has no ${component}: ${plugin.components}`);
    }
    // The bundle takes its shared packages from the page: no second copy of React is in it.
    const source = await readFile(join(dist, 'module.js'), 'utf8');
    const deps = JSON.parse(/define\((\[[^\]]*\])/.exec(source)[1]);
    for (const shared of ['@grafana/data', '@grafana/ui', '@grafana/runtime', 'react']) {
      assert(deps.includes(shared), `module.js does not take ${shared} from Grafana: ${deps}`);
    }

    // The configured targets are listed; a new one is reported in Grafana's options shape.
    assert((await page.getByLabel(/^Name/).first().inputValue()) === 'demo', 'the configured target is not shown');
    await page.getByRole('button', { name: 'Add target' }).click();
    const row = page.locator('[data-testid="target-row"]').nth(1);
    await row.getByLabel(/^Name/).fill('checkout-api');
    await row.getByLabel(/^pprof URL/).fill('http://checkout.internal:6060/debug/pprof');
    await page.waitForFunction(() => window.__changes.at(-1)?.jsonData.targets.length === 2, null, { timeout: 10000 });
    const options = await page.evaluate(() => window.__changes.at(-1));
    assert(
      options.jsonData.targets[1].url === 'http://checkout.internal:6060/debug/pprof',
      `targets: ${JSON.stringify(options.jsonData.targets)}`
    );
    await assertNoWrappedLabels(page);
    assertNoPageErrors(page);
    console.log(`     exports ${plugin.exports.join(', ')}; shared packages ${deps.join(', ')}`);
    console.log(
      `     screenshot ${await screenshot(page, 'dist-config.png', { productName: 'screenshot-config.png' })}`
    );
  } finally {
    await page.close();
  }
}

async function profileQuery() {
  const page = await open('query', 'Query type');
  try {
    await choose(page, page, 'Profile');
    await choose(page, page, 'Dump');
    await resultOf(page, () => pick(page, 'source-dump', 'heap.20261121T080000.pb.gz'));
    const frames = await resultOf(page, () => pick(page, 'profile-profile-type', 'heap'));

    const request = page.queryRequests.at(-1);
    const [q] = request.body.queries;
    assert(request.search === `?ds_type=${PLUGIN_ID}&requestId=explore-3`, `query URL ${request.search}`);
    assert(
      q.queryType === 'profile' &&
        q.profile?.profileType === 'heap' &&
        q.dump === 'dir:corpus:heap.20261121T080000.pb.gz' &&
        q.datasource.uid === UID,
      `the query sent: ${JSON.stringify(q)}`
    );
    assert(frames.length === 1 && frames[0].visualisation === 'flamegraph', `frames: ${JSON.stringify(frames)}`);
    assert(frames[0].fields.join() === 'level,value,self,label', `flame graph fields: ${frames[0].fields}`);

    // Grafana's flame graph draws it: the canvas and the top table of the heap's functions.
    await page.waitForSelector('canvas', { timeout: 30000 });
    await page.waitForFunction(() => document.querySelectorAll('[role="row"]').length > 5, null, { timeout: 30000 });
    const text = await page.evaluate(() => document.querySelector('[data-testid="query-result"]').innerText);
    assert(
      text.includes('main.fillCache') && text.includes('main.buildIndex'),
      "the top table lacks the heap profile's functions"
    );
    assert(
      (await page.getByTestId('query-options').innerText()).includes('none set'),
      'the folded options row does not say that none are set'
    );
    await assertNoWrappedLabels(page);
    assertNoPageErrors(page);
    console.log(`     ${frames[0].length} nodes from ${q.dump}`);
    console.log(
      `     screenshot ${await screenshot(page, 'dist-flamegraph.png', { productName: 'screenshot-flamegraph.png' })}`
    );

    // The rarely used options unfold; setting one runs the query again with it.
    await page.getByRole('button', { name: /^Options/ }).click();
    const focus = page.locator('[id$="-A-profile-focus"]');
    await focus.fill('main\\.');
    await resultOf(page, () => focus.press('Enter'));
    const focused = page.queryRequests.at(-1).body.queries[0];
    assert(focused.profile?.focus === 'main\\.', `the query sent: ${JSON.stringify(focused)}`);
    await assertNoWrappedLabels(page);
    await page.mouse.move(0, 0);
    console.log(
      `     screenshot ${await screenshot(page, 'dist-query-editor.png', { productName: 'screenshot-query-editor.png' })}`
    );
  } finally {
    await page.close();
  }
}

async function goroutineGroups() {
  const page = await open('query', 'Query type');
  try {
    await choose(page, page, 'Goroutines');
    await choose(page, page, 'Dump');
    await resultOf(page, () => pick(page, 'source-dump', 'goroutine-full.20261121T080000.log'));
    const [frame] = await resultOf(page, () => choose(page, page, 'Groups'));
    const q = page.queryRequests.at(-1).body.queries[0];
    assert(q.queryType === 'goroutines' && q.view === 'groups', `the query sent: ${JSON.stringify(q)}`);
    for (const field of ['Goroutines', 'Category', 'State', 'Max wait']) {
      assert(frame.fields.includes(field), `the groups frame has no ${field} field: ${frame.fields}`);
    }

    // Grafana's Table renders the frame: a row per group, with the states of the real dump.
    await page.waitForFunction(() => document.querySelectorAll('[role="row"]').length > 5, null, { timeout: 30000 });
    const text = await page.evaluate(() => document.querySelector('[data-testid="query-result"]').innerText);
    for (const state of ['chan receive', 'sync.Mutex.Lock', 'select']) {
      assert(text.includes(state), `the groups table lacks "${state}"`);
    }
    await assertNoWrappedLabels(page);
    assertNoPageErrors(page);
    console.log(`     ${frame.length} groups in ${frame.name}`);
    console.log(
      `     screenshot ${await screenshot(page, 'dist-goroutine-groups.png', { productName: 'screenshot-goroutine-groups.png' })}`
    );
  } finally {
    await page.close();
  }
}

async function splitView() {
  const page = await open('split', 'Query type');
  try {
    const [left, right] = [0, 1].map((i) => page.locator('[role="radiogroup"]').filter({ hasText: 'Metrics' }).nth(i));
    await choose(right, page, 'Goroutines');
    await choose(left, page, 'Profile');
    const checked = async (group, name) => group.getByRole('radio', { name, exact: true }).isChecked();
    assert(await checked(left, 'Profile'), 'the left editor lost its query type');
    assert(await checked(right, 'Goroutines'), 'choosing in the left editor cleared the right one');
    const names = await page.evaluate(() => [
      ...new Set([...document.querySelectorAll('input[type="radio"]')].map((r) => r.name)),
    ]);
    const ids = await page.evaluate(() => [...document.querySelectorAll('input[id]')].map((e) => e.id));
    assert(new Set(ids).size === ids.length, `ids repeat: ${ids.filter((id, i) => ids.indexOf(id) !== i)}`);
    assertNoPageErrors(page);
    console.log(`     ${names.length} radio groups, none shared between the two editors`);
  } finally {
    await page.close();
  }
}

try {
  await run([
    ['dist/module.js loads through SystemJS; its config editor reports a new target', loadsThePlugin],
    ['profile query from the dist editor runs through /api/ds/query into a flame graph', profileQuery],
    ['goroutine groups query from the dist editor renders in a table', goroutineGroups],
    ['two editors of refId A side by side keep their own radio selections', splitView],
  ]);
} finally {
  await browser.close();
  await server.close();
  api.stdin.end();
  await once(api, 'exit');
  await rm(dir, { recursive: true, force: true });
}
