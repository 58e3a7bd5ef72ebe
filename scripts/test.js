#!/usr/bin/env node
// The test command: every suite on embedded PGlite, then the integration suites again (and the
// multi-process ones in test/postgres) on the PostgreSQL server, a fresh database per test file. Without a server that pass
// is skipped and says so; JUNCTION_REQUIRE_POSTGRES=1 (set by .ci/run) turns that into a failure.
// Last, the browser suite (test/browser) drives the web console in Debian's Chromium; without
// /usr/bin/chromium it is skipped and says so; JUNCTION_REQUIRE_BROWSER=1 (set by .ci/run) fails instead.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import pg from 'pg';

const postgresUrl = process.env.JUNCTION_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const extraArgs = process.argv.slice(2);

function vitest(label, env, files) {
  console.log(`\n=== ${label} ===\n`);
  const result = spawnSync(process.execPath, ['node_modules/vitest/vitest.mjs', 'run', ...files, ...extraArgs], {
    stdio: 'inherit',
    env: { ...process.env, ...env },
  });
  return result.status === 0;
}

async function postgresReachable() {
  const client = new pg.Client({ connectionString: postgresUrl, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

const chromium = '/usr/bin/chromium';

const results = [];
results.push(['PGlite (embedded): unit, integration, embedded and end-to-end suites', vitest('Suite on PGlite (embedded storage)', { JUNCTION_TEST_BACKEND: 'pglite' }, ['--exclude', 'test/browser/**', '--exclude', 'test/postgres/**'])]);

if (await postgresReachable()) {
  results.push([`PostgreSQL (${postgresUrl.replace(/:[^:@/]*@/, ':***@')}): integration and multi-process suites`, vitest('Integration and multi-process suites on PostgreSQL', { JUNCTION_TEST_BACKEND: 'postgres', JUNCTION_TEST_POSTGRES_URL: postgresUrl }, ['test/integration', 'test/postgres'])]);
} else if (process.env.JUNCTION_REQUIRE_POSTGRES === '1') {
  results.push([`PostgreSQL: no server at ${postgresUrl}, but JUNCTION_REQUIRE_POSTGRES=1`, false]);
} else {
  console.log(`\n*** PostgreSQL suite SKIPPED: no PostgreSQL server answers at ${postgresUrl}. Set JUNCTION_TEST_POSTGRES_URL to run it. ***\n`);
  results.push(['PostgreSQL: SKIPPED (no server)', true]);
}

if (existsSync(chromium)) {
  results.push(['Browser (Chromium): web console suite', vitest('Browser suite (web console in Chromium)', { JUNCTION_TEST_BACKEND: 'pglite' }, ['test/browser'])]);
} else if (process.env.JUNCTION_REQUIRE_BROWSER === '1') {
  console.log(`\n*** Browser suite FAILED: no Chromium at ${chromium}, but JUNCTION_REQUIRE_BROWSER=1 (apt-get install -y chromium) ***\n`);
  results.push([`Browser: no Chromium at ${chromium}, but JUNCTION_REQUIRE_BROWSER=1`, false]);
} else {
  console.log(`\n*** Browser suite SKIPPED: no Chromium at ${chromium} (apt-get install -y chromium) ***\n`);
  results.push(['Browser: SKIPPED (no Chromium)', true]);
}

console.log('\n=== Summary ===');
for (const [label, ok] of results) console.log(`${ok ? 'PASS' : 'FAIL'}  ${label}`);
process.exit(results.every(([, ok]) => ok) ? 0 : 1);
