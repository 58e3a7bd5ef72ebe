/** Deterministic data generation: the same seed gives the same records on every machine. */
export interface Rng {
  next(): number;
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
}

/** mulberry32: tiny, fast, good enough for test data. */
export function createRng(seed: number): Rng {
  let state = seed >>> 0;
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min, max) => min + Math.floor(next() * (max - min + 1)),
    pick: (items) => items[Math.floor(next() * items.length)] as (typeof items)[number],
    chance: (p) => next() < p,
  };
}

const FIRST_NAMES = ['Jane', 'John', 'Maria', 'Ahmed', 'Li', 'Sofia', 'Lukas', 'Emma', 'Noah', 'Olivia', 'Mateo', 'Aisha', 'Yuki', 'Liam', 'Chloe', 'Ivan'] as const;
const LAST_NAMES = ['Doe', 'Smith', 'Garcia', 'Khan', 'Chen', 'Rossi', 'Müller', 'Brown', 'Nguyen', 'Silva', 'Kowalski', 'Okafor', 'Tanaka', 'Dubois', 'Novak', 'Larsen'] as const;
const CITIES = [
  { city: 'Seattle', region: 'WA', country: 'US', postal: '98101' },
  { city: 'Chicago', region: 'IL', country: 'US', postal: '60601' },
  { city: 'Toronto', region: 'ON', country: 'CA', postal: 'M5H 2N2' },
  { city: 'London', region: 'Greater London', country: 'GB', postal: 'EC1A 1BB' },
  { city: 'Copenhagen', region: 'Capital', country: 'DK', postal: '1050' },
  { city: 'Berlin', region: 'Berlin', country: 'DE', postal: '10115' },
] as const;
const STREETS = ['Main St', 'Oak Ave', 'Pine Rd', 'Maple Dr', 'Cedar Ln', 'Elm St', 'Lake View', 'Harbour Rd'] as const;
const COMPANY_WORDS = ['Contoso', 'Fabrikam', 'Adatum', 'Northwind', 'Tailspin', 'Litware', 'Proseware', 'Wingtip'] as const;
const COMPANY_SUFFIXES = ['Ltd', 'Inc', 'GmbH', 'A/S', 'LLC'] as const;

export interface FakePerson {
  firstName: string;
  lastName: string;
  email: string;
  phone: string;
  street: string;
  city: string;
  region: string;
  country: string;
  postalCode: string;
}

export function fakePerson(rng: Rng, index: number): FakePerson {
  const firstName = rng.pick(FIRST_NAMES);
  const lastName = rng.pick(LAST_NAMES);
  const place = rng.pick(CITIES);
  const local = `${firstName}.${lastName}.${index}`.toLowerCase().replace(/[^a-z0-9.]/g, '');
  return {
    firstName,
    lastName,
    email: `${local}@example.com`,
    phone: `+1${rng.int(200, 999)}${rng.int(1000000, 9999999)}`,
    street: `${rng.int(1, 9999)} ${rng.pick(STREETS)}`,
    city: place.city,
    region: place.region,
    country: place.country,
    postalCode: place.postal,
  };
}

export function fakeCompanyName(rng: Rng, index: number): string {
  return `${rng.pick(COMPANY_WORDS)} ${rng.pick(COMPANY_SUFFIXES)} ${index}`;
}

/** A deterministic timestamp `minutesAgo` before a fixed epoch offset from now. */
export function isoMinutesAgo(minutesAgo: number, now = Date.now()): string {
  return new Date(now - minutesAgo * 60_000).toISOString();
}
