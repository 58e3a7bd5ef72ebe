#!/usr/bin/env node
// The test command: every suite on embedded PGlite, then the integration suites again on the
// PostgreSQL server (a fresh database per test file). Without a PostgreSQL server the second pass
// is skipped and says so; JUNCTION_REQUIRE_POSTGRES=1 (set by .ci/run) turns that into a failure.
import { spawnSync } from 'node:child_process';
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

const results = [];
results.push(['PGlite (embedded): unit, integration, embedded and end-to-end suites', vitest('Suite on PGlite (embedded storage)', { JUNCTION_TEST_BACKEND: 'pglite' }, [])]);

if (await postgresReachable()) {
  results.push([`PostgreSQL (${postgresUrl.replace(/:[^:@/]*@/, ':***@')}): integration suites`, vitest('Integration suites on PostgreSQL', { JUNCTION_TEST_BACKEND: 'postgres', JUNCTION_TEST_POSTGRES_URL: postgresUrl }, ['test/integration'])]);
} else if (process.env.JUNCTION_REQUIRE_POSTGRES === '1') {
  results.push([`PostgreSQL: no server at ${postgresUrl}, but JUNCTION_REQUIRE_POSTGRES=1`, false]);
} else {
  console.log(`\n*** PostgreSQL suite SKIPPED: no PostgreSQL server answers at ${postgresUrl}. Set JUNCTION_TEST_POSTGRES_URL to run it. ***\n`);
  results.push(['PostgreSQL: SKIPPED (no server)', true]);
}

console.log('\n=== Summary ===');
for (const [label, ok] of results) console.log(`${ok ? 'PASS' : 'FAIL'}  ${label}`);
process.exit(results.every(([, ok]) => ok) ? 0 : 1);
