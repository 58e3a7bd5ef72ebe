import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * kill -9 of `junction serve` while it writes: every record the API acknowledged is still there
 * after a restart, and the data folder opens cleanly. This lives in test/embedded: it is about
 * the embedded PGlite data folder (on PostgreSQL the server owns durability).
 */
const dataDir = mkdtempSync(join(tmpdir(), 'junction-crash-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

function startServer(port: number): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['bin/junction.js', 'serve', '--demo', '--port', String(port)], {
    env: { ...process.env, JUNCTION_DATA_DIR: dataDir, DATABASE_URL: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('listening on')) resolve(child);
    });
    child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
}

describe('crash safety of embedded storage', () => {
  it('loses no acknowledged record when the server is killed with SIGKILL mid-write', async () => {
    const port = 3900 + Math.floor(Math.random() * 90);
    const first = await startServer(port);
    const key = readFileSync(join(dataDir, 'demo-api-key'), 'utf8').trim();
    const acknowledged: string[] = [];
    const base = `http://127.0.0.1:${port}/api/v1/hub/Customer/records`;
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    let writing = true;
    const writers = Array.from({ length: 4 }, async (_, w) => {
      for (let i = 0; writing; i++) {
        try {
          const response = await fetch(base, { method: 'POST', headers, body: JSON.stringify({ data: { LastName: `w${w}-${i}`, Comment: 'x'.repeat(500) } }) });
          if (response.status === 201) acknowledged.push(((await response.json()) as { id: string }).id);
        } catch {
          return; // the server is gone
        }
      }
    });
    await new Promise((r) => setTimeout(r, 1500));
    first.kill('SIGKILL');
    writing = false;
    await Promise.all(writers);
    expect(acknowledged.length).toBeGreaterThan(10);

    const second = await startServer(port);
    try {
      const seen = new Set<string>();
      let cursor = '';
      do {
        const page = (await (await fetch(`${base}?limit=500${cursor ? `&cursor=${cursor}` : ''}`, { headers })).json()) as { items: Array<{ id: string }>; nextCursor: string | null };
        for (const item of page.items) seen.add(item.id);
        cursor = page.nextCursor ?? '';
      } while (cursor);
      expect(acknowledged.filter((id) => !seen.has(id))).toEqual([]);
      // The folder is usable: it takes new writes after the crash.
      const after = await fetch(base, { method: 'POST', headers, body: JSON.stringify({ data: { LastName: 'after-crash' } }) });
      expect(after.status).toBe(201);
    } finally {
      second.kill('SIGTERM');
      await new Promise((r) => second.once('exit', r));
    }
  });
});
