import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance } from 'fastify';
import fastifyStatic from '@fastify/static';

/** `web/` next to the repository root, from `src/api/` (tsx) or `dist/src/api/` (built). */
export function consoleRoot(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const candidates = [join(here, '..', '..', 'web'), join(here, '..', '..', '..', 'web')];
  return candidates.find((c) => existsSync(join(c, 'index.html'))) ?? (candidates[0] as string);
}

/** Everything the console loads comes from this origin; no inline script, no framing. */
const CSP = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

/**
 * The web console: static files from `web/` at `/console/` (no build step), and `/` redirects
 * there. It talks to the API with the API key the user signs in with.
 */
export async function consolePlugin(app: FastifyInstance): Promise<void> {
  await app.register(fastifyStatic, {
    root: consoleRoot(),
    prefix: '/console/',
    decorateReply: false,
    index: ['index.html'],
    cacheControl: true,
    maxAge: 0,
    setHeaders(res) {
      res.setHeader('content-security-policy', CSP);
      res.setHeader('x-content-type-options', 'nosniff');
      res.setHeader('referrer-policy', 'no-referrer');
    },
  });
  app.get('/', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/'));
  app.get('/console', { schema: { hide: true } }, async (_request, reply) => reply.redirect('/console/'));
}
