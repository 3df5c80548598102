// Runs every browser test (tests/browser/*.test.mjs) one after another, each
// in its own node process so one failing cannot take the others down, and
// one at a time since each starts its own Chromium. Fails if any fails.
//
//   node tests/browser/run.mjs      (npm run test:browser)

import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const files = readdirSync(here)
  .filter((f) => f.endsWith('.test.mjs'))
  .sort();

const failed = [];
for (const file of files) {
  console.log(`# ${file}`);
  const { status, signal } = spawnSync(process.execPath, [join(here, file)], { stdio: 'inherit' });
  if (status !== 0) {
    failed.push(`${file} (${signal ?? `exit ${status}`})`);
  }
}
console.log(failed.length ? `# failed: ${failed.join(', ')}` : `# all ${files.length} browser test files passed`);
process.exitCode = failed.length ? 1 : 0;
