import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';
import { applyFaultSettings, FaultSettings, initialFaults, type FaultState } from './faults.js';
import { WindowRateLimiter } from './rate-limiter.js';

/**
 * The part every simulator shares: a fastify server, fault injection through `/__control/*`,
 * a fixed-window rate limit and request counters. Each simulator registers its own API routes and
 * decides how its errors look through `errors` (real services differ in body formats).
 */
export interface SimulatorErrors {
  throttled(reply: FastifyReply, retryAfterSeconds: number): FastifyReply;
  unavailable(reply: FastifyReply): FastifyReply;
  dailyLimitExceeded(reply: FastifyReply): FastifyReply;
}

export interface SimulatorOptions {
  name: string;
  /** Requests allowed per window before 429 (the real service's quota). */
  rateLimit: { requests: number; windowSeconds: number };
  errors: SimulatorErrors;
  /** Paths exempt from faults and limits (token endpoints, metadata). */
  exempt?: (url: string) => boolean;
  bodyLimit?: number;
}

export interface SimulatorStats {
  requests: number;
  apiRequests: number;
  throttled: number;
  failed: number;
  /** Requests that arrived while the client was told to wait (a Retry-After was still running). */
  earlyAfterThrottle: number;
  byRoute: Record<string, number>;
}

export interface Simulator {
  app: FastifyInstance;
  faults: FaultState;
  stats: SimulatorStats;
  /** Called by `/__control/reset`; simulators add their own data reset. */
  onReset(handler: () => void): void;
  onFaults(handler: (settings: FaultSettings) => void): void;
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

export function createSimulatorServer(options: SimulatorOptions): Simulator {
  const app = Fastify({ logger: false, bodyLimit: options.bodyLimit ?? 10 * 1024 * 1024 });
  const faults = initialFaults();
  const stats: SimulatorStats = { requests: 0, apiRequests: 0, throttled: 0, failed: 0, earlyAfterThrottle: 0, byRoute: {} };
  const limiter = new WindowRateLimiter(options.rateLimit.requests, options.rateLimit.windowSeconds * 1000);
  const resetHandlers: Array<() => void> = [];
  const faultHandlers: Array<(s: FaultSettings) => void> = [];
  let blockedUntil = 0;
  let throttleCounter = 0;
  let dailyUsed = 0;

  const isControl = (url: string) => url.startsWith('/__control');

  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    stats.requests += 1;
    const url = request.url;
    if (isControl(url) || options.exempt?.(url)) return;
    stats.apiRequests += 1;
    const route = `${request.method} ${url.split('?')[0]}`;
    stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
    const now = Date.now();
    if (now < blockedUntil) stats.earlyAfterThrottle += 1;
    if (faults.latencyMs > 0) await sleep(faults.latencyMs);

    if (faults.dailyLimit !== null) {
      dailyUsed += 1;
      if (dailyUsed > faults.dailyLimit) {
        stats.failed += 1;
        return options.errors.dailyLimitExceeded(reply);
      }
    }
    const t = faults.throttle;
    if (t && (t.until === undefined || now < t.until) && (t.count === undefined || t.count > 0)) {
      throttleCounter += 1;
      if (throttleCounter % t.everyNth === 0) {
        if (t.count !== undefined) t.count -= 1;
        stats.throttled += 1;
        blockedUntil = now + t.retryAfterSeconds * 1000;
        return options.errors.throttled(reply, t.retryAfterSeconds);
      }
    }
    const quota = limiter.take(now);
    if (!quota.ok) {
      stats.throttled += 1;
      const seconds = Math.ceil(quota.retryAfterMs / 1000);
      blockedUntil = now + seconds * 1000;
      return options.errors.throttled(reply, seconds);
    }
    if (faults.fail5xxNext > 0) {
      faults.fail5xxNext -= 1;
      stats.failed += 1;
      return options.errors.unavailable(reply);
    }
  });

  app.post('/__control/faults', async (request, reply) => {
    const parsed = FaultSettings.safeParse(request.body ?? {});
    if (!parsed.success) return reply.code(400).send({ error: parsed.error.issues });
    applyFaultSettings(faults, parsed.data);
    for (const handler of faultHandlers) handler(parsed.data);
    return { faults };
  });
  app.get('/__control/stats', async () => stats);
  app.post('/__control/reset', async () => {
    Object.assign(faults, initialFaults());
    Object.assign(stats, { requests: 0, apiRequests: 0, throttled: 0, failed: 0, earlyAfterThrottle: 0, byRoute: {} });
    blockedUntil = 0;
    throttleCounter = 0;
    dailyUsed = 0;
    for (const handler of resetHandlers) handler();
    return { ok: true };
  });

  return {
    app,
    faults,
    stats,
    onReset: (handler) => resetHandlers.push(handler),
    onFaults: (handler) => faultHandlers.push(handler),
    async listen(port = 0, host = '127.0.0.1') {
      const address = await app.listen({ port, host });
      return address.replace('[::1]', '127.0.0.1');
    },
    close: () => app.close(),
  };
}
