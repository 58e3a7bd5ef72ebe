import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { describe, expect, it } from 'vitest';

/** `junction simulate` prints what a subscription needs as its first line, then serves. */
async function firstLine(system: string): Promise<{ info: Record<string, unknown>; stop: () => void }> {
  const child = spawn(process.execPath, ['bin/junction.js', 'simulate', system, '--records', '3', '--seed', '7'], { stdio: ['ignore', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout });
  const line = await new Promise<string>((resolve) => lines.once('line', resolve));
  return { info: JSON.parse(line) as Record<string, unknown>, stop: () => child.kill('SIGTERM') };
}

describe('junction simulate', () => {
  it('business-central: issues a token at the printed token URL for the printed client', async () => {
    const { info, stop } = await firstLine('business-central');
    try {
      const response = await fetch(String(info.tokenUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: String(info.clientId), client_secret: String(info.clientSecret), scope: 'https://api.businesscentral.dynamics.com/.default' }),
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { token_type: string }).token_type).toBe('Bearer');
    } finally {
      stop();
    }
  });

  it('99minds: answers with the printed API key and rejects a wrong one', async () => {
    const { info, stop } = await firstLine('99minds');
    try {
      expect(info.system).toBe('ninety-nine-minds');
      expect(typeof info.apiKey).toBe('string');
      expect(String(info.baseUrl)).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    } finally {
      stop();
    }
  });

  it('salesforce: prints the login URL and client for the OAuth flow', async () => {
    const { info, stop } = await firstLine('salesforce');
    try {
      const response = await fetch(String(info.tokenUrl), {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: String(info.clientId), client_secret: String(info.clientSecret) }),
      });
      expect(response.status).toBe(200);
      expect(((await response.json()) as { instance_url: string }).instance_url).toBe(info.baseUrl);
    } finally {
      stop();
    }
  });
});
