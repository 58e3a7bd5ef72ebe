import { setFlagsFromString } from 'node:v8';

const FLAG = '--heap-growing-percent';

/**
 * For the long-running commands (serve, worker). V8 lets the old generation grow to up to four
 * times its live size before a full collection; the engine's live heap is small (~40 MB) but it
 * promotes a page's worth of short-lived objects per transaction, so RSS saw-tooths by 100+ MB.
 * Growing by 50 % instead keeps the peak near the live size for full collections that take ~10 ms.
 * The factor is read at every collection, so setting it at start-up takes effect; a flag given on
 * the command line (`node --heap-growing-percent=N`) wins.
 */
export function tuneHeapForServer(percent = Number(process.env.JUNCTION_HEAP_GROWING_PERCENT ?? 50)): void {
  if (process.execArgv.some((a) => a.startsWith(FLAG)) || !(percent > 0)) return;
  setFlagsFromString(`${FLAG}=${Math.round(percent)}`);
}
