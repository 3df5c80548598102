// Real-browser test of our flame graph frames: frames built by the Go code
// from real profiles (go run ./tests/browser/framejson) are rendered by
// @grafana/flamegraph, the component behind Grafana's flame graph panel,
// in headless Chromium. The test reads the rendered DOM and checks the
// labels and values against numbers computed in Go straight from the
// profiles, and keeps a screenshot of each view in test-artifacts/.
//
//   node tests/browser/flamegraph.test.mjs      (or npm run test:browser)

import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { assert, buildPage, launchBrowser, openPage, repoRoot, run, screenshot, serve } from './harness.mjs';

const dir = await mkdtemp(join(tmpdir(), 'flamegraph-browser-'));
execFileSync('go', ['run', './tests/browser/framejson', '-out', join(dir, 'frames.json')], {
  cwd: repoRoot,
  stdio: 'inherit',
});
await buildPage({ entry: join(repoRoot, 'tests/browser/flamegraph.page.jsx'), outDir: dir, title: 'flame graph' });
const server = await serve(dir);
const browser = await launchBrowser();

// render opens a view and waits until the component has drawn it.
async function render(name) {
  const page = await openPage(browser, `${server.url}#${name}`);
  await page.waitForFunction(() => window.__expected || window.__pageError, null, { timeout: 30000 });
  const pageError = await page.evaluate(() => window.__pageError);
  assert(!pageError, `the page failed: ${pageError}`);
  await page.waitForSelector('canvas', { timeout: 30000 });
  await page.waitForFunction(() => document.querySelectorAll('[role="cell"]').length > 0, null, { timeout: 30000 });
  const expected = await page.evaluate(() => window.__expected);
  const text = await page.evaluate(() => document.body.innerText);
  // Table rows as their cells' texts, without the leading cell of buttons:
  // [symbol, self, total] (or the diff's columns).
  const rows = await page.evaluate(() =>
    [...document.querySelectorAll('[role="row"]')]
      .map((r) => [...r.querySelectorAll('[role="cell"]')].map((c) => c.innerText.trim()).slice(1))
      .filter((cells) => cells.length > 0)
  );
  return { page, expected, text, rows };
}

// Grafana's top table lists each label with its self and total values.
function assertTopTable(rows, expected, name) {
  assert(expected.top.length > 0 || name === 'limited', 'no expected rows');
  for (const want of expected.top) {
    const row = rows.find((cells) => cells[0] === want.name);
    assert(row, `top table has no row for ${want.name}; rows: ${JSON.stringify(rows.slice(0, 8))}`);
    assert(row[1] === want.flat, `${want.name}: self ${row[1]}, want ${want.flat} (flat from go tool pprof's numbers)`);
  }
}

// The header states the root's value: the profile's total.
function assertHeaderTotal(text, total) {
  const header = text.split('\n').find((line) => line.includes('samples') || line.includes(' | '));
  assert(header && header.startsWith(total), `header ${JSON.stringify(header)} does not start with the total ${total}`);
}

// Hovering the root bar shows its label and total in a tooltip.
async function assertRootTooltip(page, label, total) {
  const canvas = await page.$('canvas');
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + 8);
  await page.waitForFunction(
    () => [...document.querySelectorAll('div')].some((d) => d.innerText.includes('100%')),
    null,
    {
      timeout: 10000,
    }
  );
  const tip = await page.evaluate(() => {
    const candidates = [...document.querySelectorAll('div')].filter(
      (d) => d.innerText.includes('100%') && d.innerText.length < 400
    );
    return candidates.length ? candidates[candidates.length - 1].innerText : '';
  });
  assert(tip.includes(label), `tooltip ${JSON.stringify(tip)} lacks the root label ${label}`);
  assert(tip.includes(total), `tooltip ${JSON.stringify(tip)} lacks the total ${total}`);
  await page.mouse.move(0, 0);
}

// The nodes of a grouped tree, found with the component's search, carry
// the totals per label value.
async function assertGroups(page, groups) {
  const prefix = groups[0].name.split('=')[0] + '=';
  await page.fill('input[placeholder^="Search"]', prefix);
  await page.waitForFunction((n) => document.querySelectorAll('[role="row"]').length === n + 1, groups.length, {
    timeout: 10000,
  });
  const rows = await page.evaluate(() =>
    [...document.querySelectorAll('[role="row"]')].map((r) =>
      [...r.querySelectorAll('[role="cell"]')].map((c) => c.innerText.trim()).slice(1)
    )
  );
  for (const g of groups) {
    const row = rows.find((cells) => cells[0] === g.name);
    assert(row && row[2] === g.total, `group ${g.name}: ${JSON.stringify(row)}, want total ${g.total}`);
  }
  await page.fill('input[placeholder^="Search"]', '');
}

// A diff's top table shows, for each function, its share of the baseline
// and of the comparison, and the change: the numbers computed in Go from
// each profile on its own. The component's search, anchored, brings the
// function's row into view.
async function assertCompared(page, compared) {
  for (const want of compared) {
    const anchored = '^' + want.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '$';
    await page.fill('input[placeholder^="Search"]', anchored);
    await page.waitForFunction(
      (name) =>
        [...document.querySelectorAll('[role="row"]')].some((r) =>
          [...r.querySelectorAll('[role="cell"]')].some((c) => c.innerText.trim() === name)
        ),
      want.name,
      { timeout: 10000 }
    );
    const rows = await page.evaluate(() =>
      [...document.querySelectorAll('[role="row"]')].map((r) =>
        [...r.querySelectorAll('[role="cell"]')].map((c) => c.innerText.trim()).slice(1)
      )
    );
    const row = rows.find((cells) => cells[0] === want.name);
    const expected = [want.name, want.baseline, want.comparison, want.diff];
    assert(
      JSON.stringify(row) === JSON.stringify(expected),
      `${want.name}: the top table shows ${JSON.stringify(row)}, want ${JSON.stringify(expected)} (baseline, comparison, diff)`
    );
  }
  await page.fill('input[placeholder^="Search"]', '');
  await page.waitForFunction(() => document.querySelectorAll('[role="row"]').length > 3, null, { timeout: 10000 });
}

// Hovering the root bar of a diff shows each side's share of its own
// total, 100%, and their values.
async function assertDiffRootTooltip(page, expected) {
  const canvas = await page.$('canvas');
  const box = await canvas.boundingBox();
  await page.mouse.move(box.x + box.width / 2, box.y + 8);
  await page.waitForFunction(() => document.body.innerText.includes('% of total'), null, { timeout: 10000 });
  const text = await page.evaluate(() => document.body.innerText);
  const line = (label) => (text.split('\n').find((l) => l.startsWith(label)) || '').split('\t').map((c) => c.trim());
  const share = line('% of total');
  assert(
    share[1] === '100%' && share[2] === '100%',
    `root tooltip "% of total" ${JSON.stringify(share)}; want 100% on both sides`
  );
  const value = line('Value');
  assert(
    value[1] === expected.total && value[2] === expected.totalRight,
    `root tooltip values ${JSON.stringify(value)}; want ${expected.total} and ${expected.totalRight}`
  );
  await page.mouse.move(0, 0);
}

function assertNoErrors(page) {
  const errors = page.errors.filter((e) => !e.includes('/public/build/img/icons/'));
  assert(errors.length === 0, `page errors: ${errors.join('; ')}`);
}

const views = ['heap', 'cpu', 'goroutine', 'limited', 'threadcreate', 'trace'];

await run([
  ...views.map((name) => [
    `${name}: labels, self values and the total rendered by @grafana/flamegraph`,
    async () => {
      const { page, expected, text, rows } = await render(name);
      try {
        assert(
          !text.includes('Data is missing fields') && !text.includes('wrong type'),
          'the component rejected the frame'
        );
        assertTopTable(rows, expected, name);
        assertHeaderTotal(text, expected.total);
        await assertRootTooltip(page, 'total', expected.total);
        if (expected.groups.length > 0) {
          await assertGroups(page, expected.groups);
        }
        if (name === 'limited') {
          assert(
            rows.some((cells) => cells[0] === 'other'),
            'the limited tree shows no "other" node'
          );
        }
        assertNoErrors(page);
        console.log(
          `     ${expected.rows} nodes, total ${expected.total}, screenshot ${await screenshot(page, `flamegraph-${name}.png`)}`
        );
      } finally {
        await page.close();
      }
    },
  ]),
  [
    'diff of two real profiles: the shares and changes the top table and tooltip show',
    async () => {
      const { page, expected, text } = await render('diff');
      try {
        assert(!text.includes('NaN'), 'the diff shows NaN');
        await assertDiffRootTooltip(page, expected);
        await assertCompared(page, expected.compared);
        assertNoErrors(page);
        console.log(
          `     ${expected.rows} nodes, ${expected.total} against ${expected.totalRight}, ` +
            expected.compared.map((c) => `${c.name} ${c.baseline} -> ${c.comparison} (${c.diff})`).join(', ') +
            `, screenshot ${await screenshot(page, 'flamegraph-diff.png')}`
        );
      } finally {
        await page.close();
      }
    },
  ],
  [
    'a profile diffed against itself: equal shares, 0% change, no NaN',
    async () => {
      const { page, expected, text, rows } = await render('selfdiff');
      try {
        assert(!text.includes('NaN'), 'the diff shows NaN');
        assert(rows.length > 10, `only ${rows.length} rows`);
        for (const cells of rows) {
          assert(
            cells[1] === cells[2] && cells[3] === '0%',
            `row ${JSON.stringify(cells)}: baseline and comparison differ or the diff is not 0%`
          );
        }
        await assertDiffRootTooltip(page, expected);
        await assertCompared(page, expected.compared);
        assertNoErrors(page);
        console.log(
          `     ${expected.rows} nodes, ${rows.length} rows at 0%, screenshot ${await screenshot(page, 'flamegraph-selfdiff.png')}`
        );
      } finally {
        await page.close();
      }
    },
  ],
]);

await browser.close();
await server.close();
await rm(dir, { recursive: true, force: true });
