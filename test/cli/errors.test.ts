import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'junction-cli-errors-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('junction CLI errors', () => {
  it('prints a coded error as one line that says what to do, without a stack trace, and exits 1', async () => {
    // A data folder from an older embedded PostgreSQL.
    mkdirSync(join(dir, 'pgdata'), { recursive: true });
    writeFileSync(join(dir, 'pgdata', 'PG_VERSION'), '17\n');
    const run = promisify(execFile)(process.execPath, ['bin/junction.js', 'migrate'], { env: { ...process.env, JUNCTION_DATA_DIR: dir, DATABASE_URL: '' } });
    const failure = (await run.then(() => null, (e: unknown) => e)) as { code: number; stderr: string } | null;
    expect(failure).not.toBeNull();
    expect(failure?.code).toBe(1);
    expect(failure?.stderr.trim()).toMatch(/^junction: The embedded database in .* was made by PostgreSQL 17; .*Move that folder aside.* \(STORE_VERSION_MISMATCH\)$/);
    expect(failure?.stderr).not.toMatch(/^\s+at /m);
  });
});
