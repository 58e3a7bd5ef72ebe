// `npm run bench`: every benchmark in one run, ours next to its baseline, printed as a table and
// written to bench/results.json. Figures only: no pass/fail on timings (machines are noisy).
import { writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { runMappingBench } from './mapping.js';
import { runSyncBench } from './sync.js';

interface Row {
  suite: string;
  name: string;
  value: number;
  unit: string;
  note?: string;
}

const rows: Row[] = [];
const started = Date.now();

const mappingRecords = Number(process.env.BENCH_MAPPING_RECORDS ?? 100_000);
for (const r of await runMappingBench({ records: mappingRecords })) {
  rows.push({ suite: 'mapping (seed 000, 100k customers)', name: r.name, value: Math.round(r.recordsPerSecond), unit: 'records/s', note: r.ratio });
}
for (const r of await runSyncBench()) {
  rows.push({ suite: 'sync', name: r.name, value: r.value, unit: r.unit, note: r.target });
}

const width = (key: keyof Row) => Math.max(key.length, ...rows.map((r) => String(r[key] ?? '').length));
const columns: Array<keyof Row> = ['suite', 'name', 'value', 'unit', 'note'];
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(width(columns[i] as keyof Row))).join('  ');
console.log(line(columns.map(String)));
console.log(line(columns.map((c) => '-'.repeat(width(c)))));
for (const r of rows) console.log(line(columns.map((c) => String(r[c] ?? ''))));

writeFileSync(
  new URL('./results.json', import.meta.url),
  `${JSON.stringify({ at: new Date().toISOString(), node: process.version, cpus: cpus().length, memoryGiB: Math.round(totalmem() / 2 ** 30), seconds: (Date.now() - started) / 1000, rows }, null, 2)}\n`,
);
console.log('\nwritten: bench/results.json');
process.exit(0);
