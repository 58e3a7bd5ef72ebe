/**
 * Mapping throughput: the seed 000 "Update Customer FROM iPaaS" collection over generated hub customers,
 * mapped by Junction's engine, by the same mapping in jsonata 2.x, and by a hand-written function.
 * Run: node bin/run-ts.js bench/mapping.ts [records]
 */
import jsonata from 'jsonata';
import { pathToFileURL } from 'node:url';
import { compileCollection, MappingCollectionCreate, type MappingResult } from '../src/mapping/index.js';
import { bcUpdateCustomerFromHub } from '../src/mapping/fixtures/seeds.js';

export interface BenchRow {
  name: string;
  recordsPerSecond: number;
  ratio?: string;
}

interface HubAddress {
  Address1: string;
  City: string;
  Region: string;
  PostalCode: string;
  Country: string;
  PhoneNumber: string;
  IsPrimaryBilling: boolean;
  IsPrimaryShipping: boolean;
}
interface HubCustomer {
  CustomerNumber: string;
  FirstName: string;
  LastName: string;
  EmailAddress: string;
  Addresses: HubAddress[];
  Categories: { Name: string }[];
}

/** Deterministic generator: 1–3 addresses (one primary billing, not always first), 0–3 categories. */
export function generateCustomers(n: number, seed = 42): HubCustomer[] {
  let s = seed >>> 0;
  const rnd = (): number => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const first = ['Jane', 'John', 'Maria', 'Ada', 'Li', 'Omar', 'Eva', 'Noah'];
  const last = ['Doe', 'Smith', 'Garcia', 'Lovelace', 'Chen', 'Haddad', 'Novak', 'Berg'];
  const cities = ['Seattle', 'Tacoma', 'Portland', 'Austin', 'Denver', 'Boston'];
  const groups = ['WHOLESALE', 'RETAIL', 'VIP', 'EMPLOYEE'];
  const out: HubCustomer[] = new Array(n);
  for (let i = 0; i < n; i++) {
    const nAddr = 1 + Math.floor(rnd() * 3);
    const billing = Math.floor(rnd() * nAddr);
    const addresses: HubAddress[] = [];
    for (let a = 0; a < nAddr; a++) {
      addresses.push({
        Address1: `${1 + Math.floor(rnd() * 9999)} Main St`,
        City: pick(cities),
        Region: 'WA',
        PostalCode: String(10000 + Math.floor(rnd() * 89999)),
        Country: 'US',
        PhoneNumber: `+1 206 555 ${String(1000 + Math.floor(rnd() * 8999))}`,
        IsPrimaryBilling: a === billing,
        IsPrimaryShipping: a === 0,
      });
    }
    const nCat = Math.floor(rnd() * 4);
    const categories: { Name: string }[] = [];
    for (let c = 0; c < nCat; c++) categories.push({ Name: pick(groups) });
    const fn = pick(first);
    const ln = pick(last);
    out[i] = {
      CustomerNumber: `C${String(i).padStart(6, '0')}`,
      FirstName: fn,
      LastName: ln,
      EmailAddress: `${fn}.${ln}.${i}@example.com`.toLowerCase(),
      Addresses: addresses,
      Categories: categories,
    };
  }
  return out;
}

const JSONATA_SOURCE = `{
  "No": CustomerNumber,
  "Name": FirstName & " " & LastName,
  "Address": Addresses[IsPrimaryBilling = true][0].Address1,
  "CountryRegionCode": Addresses[IsPrimaryBilling = true][0].Country,
  "City": Addresses[IsPrimaryBilling = true][0].City,
  "County": Addresses[IsPrimaryBilling = true][0].Region,
  "PostCode": Addresses[IsPrimaryBilling = true][0].PostalCode,
  "PhoneNo": Addresses[IsPrimaryBilling = true][0].PhoneNumber,
  "EMail": EmailAddress,
  "CustomerPriceGroup": Categories[0].Name,
  "PaymentTermsCode": "10 DAYS"
}`;

function primaryBilling(addresses: readonly HubAddress[] | undefined): HubAddress | undefined {
  if (addresses === undefined) return undefined;
  for (let i = 0; i < addresses.length; i++) if ((addresses[i] as HubAddress).IsPrimaryBilling === true) return addresses[i];
  return undefined;
}

/** The same mapping written by hand. */
export function handWritten(c: HubCustomer): Record<string, unknown> {
  const b = primaryBilling(c.Addresses);
  return {
    No: c.CustomerNumber,
    Name: (c.FirstName ?? '') + ' ' + (c.LastName ?? ''),
    Address: b?.Address1 ?? null,
    CountryRegionCode: b?.Country ?? null,
    City: b?.City ?? null,
    County: b?.Region ?? null,
    PostCode: b?.PostalCode ?? null,
    PhoneNo: b?.PhoneNumber ?? null,
    EMail: c.EmailAddress,
    CustomerPriceGroup: c.Categories !== undefined && c.Categories.length > 0 ? (c.Categories[0] as { Name: string }).Name : null,
    PaymentTermsCode: '10 DAYS',
  };
}

function time(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

async function timeAsync(fn: () => Promise<void>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

export async function runMappingBench(opts: { records: number }): Promise<BenchRow[]> {
  const records = generateCustomers(opts.records);
  const compiled = compileCollection(MappingCollectionCreate.parse({ subscriptionId: '00000000-0000-4000-8000-000000000000', ...bcUpdateCustomerFromHub }));
  if (compiled.isAsync) throw new Error('seed 000 should compile to a synchronous collection');
  const context = { systemId: '00000000-0000-4000-8000-000000000000' };
  const expr = jsonata(JSONATA_SOURCE);

  // Correctness check on a sample before timing: all three agree.
  for (const r of records.slice(0, 200)) {
    const a = (compiled.map(r, context) as MappingResult).output;
    const b = handWritten(r);
    const c = (await expr.evaluate(r)) as Record<string, unknown>;
    for (const k of Object.keys(b)) {
      if (a[k] !== b[k]) throw new Error(`junction and hand-written differ on ${k}: ${String(a[k])} vs ${String(b[k])}`);
      if ((c[k] ?? null) !== b[k]) throw new Error(`jsonata and hand-written differ on ${k}: ${String(c[k])} vs ${String(b[k])}`);
    }
  }

  let sink = 0;
  const runJunction = (): void => {
    for (let i = 0; i < records.length; i++) {
      const r = compiled.map(records[i], context) as MappingResult;
      if (r.status !== 'mapped') throw new Error(r.errors[0]?.message ?? 'not mapped');
      sink += r.errors.length;
    }
  };
  const runHand = (): void => {
    for (let i = 0; i < records.length; i++) sink += Object.keys(handWritten(records[i] as HubCustomer)).length & 1;
  };
  const jsonataCount = Math.max(1000, Math.min(records.length, 20_000));
  const runJsonata = async (): Promise<void> => {
    for (let i = 0; i < jsonataCount; i++) {
      const r = (await expr.evaluate(records[i])) as Record<string, unknown>;
      sink += r.No === undefined ? 1 : 0;
    }
  };

  // Warm-up.
  for (let w = 0; w < 2; w++) {
    runJunction();
    runHand();
  }
  await runJsonata();

  // Best of several interleaved rounds for the synchronous runs (the machine may be loaded: both see
  // the same conditions), one pass for jsonata (slow).
  let junctionMs = Infinity;
  let handMs = Infinity;
  for (let round = 0; round < 15; round++) {
    junctionMs = Math.min(junctionMs, time(runJunction));
    handMs = Math.min(handMs, time(runHand));
  }
  const jsonataMs = await timeAsync(runJsonata);
  if (sink < 0) console.log(sink);

  const junction = (records.length / junctionMs) * 1000;
  const hand = (records.length / handMs) * 1000;
  const jsonataRate = (jsonataCount / jsonataMs) * 1000;
  return [
    { name: 'junction engine (seed 000)', recordsPerSecond: Math.round(junction), ratio: `${(junction / jsonataRate).toFixed(1)}× jsonata` },
    { name: 'jsonata 2.x (same mapping)', recordsPerSecond: Math.round(jsonataRate) },
    { name: 'hand-written TypeScript', recordsPerSecond: Math.round(hand), ratio: `${(hand / junction).toFixed(2)}× junction` },
  ];
}

/**
 * Standalone when run directly (`tsx bench/mapping.ts`) or through `bin/run-ts.js` outside `npm run bench`
 * (whose `bench/index.ts` imports `runMappingBench` instead).
 */
const entry = process.argv[1] ?? '';
const standalone = import.meta.url === pathToFileURL(entry).href || (entry.endsWith('run-ts.js') && process.env.npm_lifecycle_event !== 'bench');
if (standalone) {
  const records = Number(process.argv[2] ?? 100_000);
  const rows = await runMappingBench({ records });
  console.log(`mapping bench: seed 000 "Update Customer FROM iPaaS", ${records} generated hub customers`);
  console.table(rows.map((r) => ({ name: r.name, 'records/s': r.recordsPerSecond.toLocaleString('en-US'), ratio: r.ratio ?? '' })));
}
