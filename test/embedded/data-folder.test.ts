import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openPglite } from '../../src/store/index.js';

/** The embedded data folder: created on first open, reopened with Junction's PostgreSQL settings. */
const root = mkdtempSync(join(tmpdir(), 'junction-data-folder-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
afterEach(() => {
  delete process.env.JUNCTION_PGLITE_SHARED_BUFFERS;
});

async function setting(dir: string, name: string): Promise<string> {
  const db = await openPglite(dir);
  try {
    const { rows } = await db.query<{ setting: string }>(`SELECT current_setting($1) AS setting`, [name]);
    return rows[0]?.setting as string;
  } finally {
    await db.close();
  }
}

describe('embedded data folder', () => {
  it('is created on first open and keeps what was written', async () => {
    const dir = join(root, 'fresh');
    const first = await openPglite(dir);
    await first.exec('CREATE TABLE kept (v text); INSERT INTO kept VALUES ($$still here$$)');
    await first.close();
    const again = await openPglite(dir);
    const { rows } = await again.query<{ v: string }>('SELECT v FROM kept');
    await again.close();
    expect(rows).toEqual([{ v: 'still here' }]);
  });

  it('runs with 16 MB of shared buffers and fsync on, and the buffers can be overridden', async () => {
    const dir = join(root, 'settings');
    expect(await setting(dir, 'shared_buffers')).toBe('16MB');
    expect(await setting(dir, 'fsync')).toBe('on');
    process.env.JUNCTION_PGLITE_SHARED_BUFFERS = '32MB';
    expect(await setting(dir, 'shared_buffers')).toBe('32MB');
  });

  it('ignores what a crashed creation left beside it, and refuses a folder that holds something else', async () => {
    const dir = join(root, 'leftover');
    mkdirSync(`${dir}.creating-1-dead`, { recursive: true });
    writeFileSync(join(`${dir}.creating-1-dead`, 'PG_VERSION'), '18\n');
    await (await openPglite(dir)).close();
    expect(readdirSync(root).filter((f) => f.startsWith('leftover.creating-') && f !== 'leftover.creating-1-dead')).toEqual([]);

    const junk = join(root, 'junk');
    mkdirSync(junk);
    writeFileSync(join(junk, 'notes.txt'), 'not a database');
    await expect(openPglite(junk)).rejects.toMatchObject({ code: 'STORE_CREATE_FAILED', message: expect.stringContaining('holds no embedded database') });
  });

  it('refuses a folder made by another PostgreSQL major version, saying what to do', async () => {
    const dir = join(root, 'old');
    await (await openPglite(dir)).close();
    writeFileSync(join(dir, 'PG_VERSION'), '17\n');
    await expect(openPglite(dir)).rejects.toMatchObject({ code: 'STORE_VERSION_MISMATCH', message: expect.stringMatching(/PostgreSQL 17.*PostgreSQL 18.*Move that folder aside/s) });
  });
});
