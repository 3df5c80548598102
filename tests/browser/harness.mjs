// Harness for real-browser tests: bundles a page with esbuild, serves it
// over http on 127.0.0.1 and drives Debian's headless Chromium through
// playwright-core. Grafana's React packages need three things outside
// Grafana: boot data on window before the bundle runs, a default-export shim
// for the CommonJS react-custom-scrollbars-2 that @grafana/ui's ESM build
// default-imports, and http (not file://), since icons are fetched at run
// time.

import { build } from 'esbuild';
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { existsSync } from 'node:fs';
import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../..');
export const artifactsDir = join(repoRoot, 'test-artifacts');

const chromiumPath = process.env.CHROMIUM_PATH || '/usr/bin/chromium';

// Where @grafana/ui keeps its icons; the flame graph's own copy first.
const iconDirs = [
  'node_modules/@grafana/flamegraph/node_modules/@grafana/ui/dist/public/img/icons',
  'node_modules/@grafana/ui/dist/public/img/icons',
].map((d) => join(repoRoot, d));

/**
 * Bundles entry (a .jsx/.tsx/.js page) into outDir/page.js and writes an
 * index.html that sets Grafana's boot data before loading it. alias maps
 * further packages to shims, e.g. @grafana/runtime, which only works inside
 * Grafana. bootData is what Grafana's server puts on window before its app
 * loads.
 */
export async function buildPage({
  entry,
  outDir,
  title = 'browser test',
  alias = {},
  bootData = { settings: {}, user: {}, navTree: [] },
}) {
  await mkdir(outDir, { recursive: true });
  await build({
    entryPoints: [entry],
    outfile: join(outDir, 'page.js'),
    bundle: true,
    format: 'esm',
    platform: 'browser',
    target: 'es2020',
    jsx: 'automatic',
    minify: true,
    logLevel: 'error',
    define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' },
    alias: { 'react-custom-scrollbars-2': join(here, 'shims/react-custom-scrollbars-2.mjs'), ...alias },
    inject: [join(here, 'shims/react-global.mjs')],
    loader: { '.svg': 'text', '.woff': 'empty', '.woff2': 'empty', '.ttf': 'empty' },
  });
  const html = `<!doctype html>
<html>
<head><meta charset="utf-8"><title>${title}</title>
<style>html, body { margin: 0; font-family: sans-serif; } #root { padding: 8px; }</style>
<script>
  window.grafanaBootData = ${JSON.stringify(bootData)};
  window.__grafana_public_path__ = '/public/';
</script>
</head>
<body><div id="root"></div><script type="module" src="/page.js"></script></body>
</html>
`;
  await writeFile(join(outDir, 'index.html'), html);
}

const contentTypes = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.css': 'text/css',
  '.png': 'image/png',
};

/**
 * Serves dir over http on 127.0.0.1 (a free port), plus Grafana's icons
 * under /public/build/img/icons/. handle, when given, sees each request
 * first and answers it by resolving to true (a stand-in for Grafana's API).
 * Resolves to { url, close }.
 */
export async function serve(dir, { handle } = {}) {
  const root = resolve(dir);
  const server = createServer(async (req, res) => {
    if (handle && (await handle(req, res))) {
      return;
    }
    const path = decodeURIComponent(new URL(req.url, 'http://localhost').pathname);
    let file = join(root, normalize(path === '/' ? '/index.html' : path));
    const iconPrefix = '/public/build/img/icons/';
    if (path.startsWith(iconPrefix)) {
      const rel = normalize(path.slice(iconPrefix.length));
      file = iconDirs.map((d) => join(d, rel)).find((f, i) => f.startsWith(iconDirs[i] + sep) && existsSync(f));
    } else if (!file.startsWith(root + sep)) {
      file = undefined;
    }
    try {
      if (!file) {
        throw new Error('not found');
      }
      const body = await readFile(file);
      res.writeHead(200, { 'content-type': contentTypes[extname(file)] || 'application/octet-stream' });
      res.end(body);
    } catch {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/** Launches Debian's Chromium headless, with no network chatter of its own. */
export async function launchBrowser() {
  if (!existsSync(chromiumPath)) {
    throw new Error(`${chromiumPath} is missing: apt-get install -y chromium (or set CHROMIUM_PATH)`);
  }
  return chromium.launch({
    executablePath: chromiumPath,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/**
 * Opens url in a new page and collects the page's uncaught errors and
 * console errors into page.errors. setup(page), when given, runs before the
 * page loads, e.g. to answer routes with page.route.
 */
export async function openPage(browser, url, { width = 1400, height = 900, setup } = {}) {
  const page = await browser.newPage({ viewport: { width, height } });
  await setup?.(page);
  page.errors = [];
  page.on('pageerror', (err) => page.errors.push(String(err)));
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.text().startsWith('Failed to load resource')) {
      page.errors.push(msg.text());
    }
  });
  page.on('response', (res) => {
    if (res.status() >= 400 && !res.url().endsWith('/favicon.ico')) {
      page.errors.push(`${res.status()} ${res.url()}`);
    }
  });
  await page.goto(url);
  return page;
}

/**
 * Saves a screenshot of the page under test-artifacts/ and returns its path.
 * With UPDATE_SCREENSHOTS=1 (npm run screenshots), a screenshot given a
 * product name is also saved as src/img/<productName>, the screenshots
 * plugin.json lists.
 */
export async function screenshot(page, name, { productName } = {}) {
  await mkdir(artifactsDir, { recursive: true });
  const path = join(artifactsDir, name);
  await page.screenshot({ path, fullPage: true });
  if (productName && process.env.UPDATE_SCREENSHOTS === '1') {
    await copyFile(path, join(repoRoot, 'src/img', productName));
  }
  return path;
}

/**
 * The labels on the page with a piece of text that runs over more than one
 * line: Grafana's inline labels are one line high, and a wrapped one spills
 * out of its box. (A field's label and its description are separate pieces.)
 */
export function wrappedLabels(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('label')]
      .filter((label) => {
        const walker = document.createTreeWalker(label, NodeFilter.SHOW_TEXT);
        for (let node = walker.nextNode(); node; node = walker.nextNode()) {
          const range = document.createRange();
          range.selectNodeContents(node);
          const tops = [...range.getClientRects()].filter((r) => r.width > 0).map((r) => r.top);
          // Text on one line shares its top, give or take a pixel of rounding.
          if (tops.length > 1 && Math.max(...tops) - Math.min(...tops) > 6) {
            return true;
          }
        }
        return false;
      })
      .map((label) => label.innerText.trim())
  );
}

/** Fails when a label on the page wraps (see wrappedLabels). */
export async function assertNoWrappedLabels(page) {
  const wrapped = await wrappedLabels(page);
  assert(wrapped.length === 0, `labels wrap: ${JSON.stringify(wrapped)}`);
}

/**
 * Fails when the page logged errors. Grafana's fonts and icons are not all in
 * its npm packages, so the page falls back to others without them.
 */
export function assertNoPageErrors(page) {
  const errors = page.errors.filter((e) => !e.includes('/public/fonts/') && !e.includes('/public/build/img/icons/'));
  assert(errors.length === 0, `page errors: ${errors.join('; ')}`);
}

/** A minimal test runner: runs named async checks, prints results, sets the exit code. */
export async function run(tests) {
  let failed = 0;
  for (const [name, fn] of tests) {
    const started = Date.now();
    try {
      await fn();
      console.log(`ok   ${name} (${Date.now() - started} ms)`);
    } catch (err) {
      failed++;
      console.log(
        `FAIL ${name}\n     ${String(err && err.stack ? err.stack : err)
          .split('\n')
          .join('\n     ')}`
      );
    }
  }
  console.log(failed ? `${failed} of ${tests.length} failed` : `all ${tests.length} passed`);
  process.exitCode = failed ? 1 : 0;
}

/** Throws with message unless cond holds. */
export function assert(cond, message) {
  if (!cond) {
    throw new Error(message);
  }
}
