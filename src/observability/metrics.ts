import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** One registry per process; `/metrics` serves it in Prometheus text format. */
export const registry = new Registry();
collectDefaultMetrics({ register: registry, prefix: 'junction_' });

export const metrics = {
  httpRequests: new Counter({
    name: 'junction_http_requests_total',
    help: 'HTTP requests served by the API',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [registry],
  }),
  transfers: new Counter({
    name: 'junction_transfers_total',
    help: 'Transfers finished, by status and direction',
    labelNames: ['status', 'direction'] as const,
    registers: [registry],
  }),
  transferLatency: new Histogram({
    name: 'junction_transfer_latency_seconds',
    help: 'End-to-end latency from trigger to the record written at its destination',
    labelNames: ['direction'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
    registers: [registry],
  }),
  queueDepth: new Gauge({
    name: 'junction_queue_depth',
    help: 'Jobs waiting in the queue, by queue',
    labelNames: ['queue'] as const,
    registers: [registry],
  }),
  throttled: new Counter({
    name: 'junction_rate_limited_total',
    help: '429 / rate-limit answers received from external systems, by subscription',
    labelNames: ['subscription'] as const,
    registers: [registry],
  }),
  retries: new Counter({
    name: 'junction_retries_total',
    help: 'Transfer attempts scheduled for retry, by reason',
    labelNames: ['reason'] as const,
    registers: [registry],
  }),
};
