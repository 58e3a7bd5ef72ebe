/**
 * In-memory record store for one entity of one test system. Built for speed (the sync engine is
 * benchmarked against it): id lookups are a Map, listing and polling use ordered arrays searched by
 * bisection, and `findBy` uses lazily built per-field indexes kept up to date on every write.
 */

/** One record as the test system holds it (a copy; mutating it changes nothing). */
export interface TestRecord {
  id: string;
  entity: string;
  data: Record<string, unknown>;
  /** ISO timestamp (`toISOString()` form) of the last change. */
  modifiedAt: string;
  /** 1 on insert, +1 on every update. */
  version: number;
  /** `W/"<version>"`. */
  etag: string;
}

/** The live stored record handed to a view (never hand it out: views copy). */
export interface Stored {
  id: string;
  data: Record<string, unknown>;
  modifiedAt: string;
  version: number;
  seq: number;
  deleted: boolean;
}

/** A snapshot of (modifiedAt, id, version) in the poll timeline; stale when the record moved on. */
interface TimelineEntry {
  modifiedAt: string;
  id: string;
  version: number;
  rec: Stored;
}

export function etagOf(version: number): string {
  return `W/"${version}"`;
}

/** Turns a stored record into what a caller gets (always a copy). */
export type RecordView<V> = (rec: Readonly<Stored>, entity: string) => V;

export const asTestRecord: RecordView<TestRecord> = (rec, entity) => ({
  id: rec.id,
  entity,
  data: copyData(rec.data),
  modifiedAt: rec.modifiedAt,
  version: rec.version,
  etag: etagOf(rec.version),
});

/** Deep copy of JSON-like data; much cheaper than structuredClone for small records. */
export function copyData<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((item: unknown) => copyData(item)) as T;
  const out: Record<string, unknown> = {};
  for (const key in value as Record<string, unknown>) out[key] = copyData((value as Record<string, unknown>)[key]);
  return out as T;
}

function compareKey(aTime: string, aId: string, bTime: string, bId: string): number {
  if (aTime < bTime) return -1;
  if (aTime > bTime) return 1;
  return aId < bId ? -1 : aId > bId ? 1 : 0;
}

export class EntityStore {
  private readonly byId = new Map<string, Stored>();
  /** Insertion order (seq ascending); may hold deleted records until compaction. */
  private order: Stored[] = [];
  private deletedInOrder = 0;
  /** Sorted by (modifiedAt, id) unless `timelineDirty`; may hold stale entries until compaction. */
  private timeline: TimelineEntry[] = [];
  private timelineDirty = false;
  private staleInTimeline = 0;
  private readonly indexes = new Map<string, Map<string, Set<string>>>();
  private seq = 0;
  private idCounter = 0;

  constructor(
    readonly entity: string,
    private readonly idPrefix: string,
    readonly emailField: string | undefined,
  ) {}

  get size(): number {
    return this.byId.size;
  }

  nextId(): string {
    let id: string;
    do {
      this.idCounter += 1;
      id = `${this.idPrefix}${String(this.idCounter).padStart(6, '0')}`;
    } while (this.byId.has(id));
    return id;
  }

  has(id: string): boolean {
    return this.byId.has(id);
  }

  get<V>(id: string, view: RecordView<V>): V | undefined {
    const rec = this.byId.get(id);
    return rec ? view(rec, this.entity) : undefined;
  }

  /** The live record without copying (internal use: do not mutate). */
  peek(id: string): Readonly<{ data: Readonly<Record<string, unknown>>; version: number }> | undefined {
    return this.byId.get(id);
  }

  insert<V>(id: string, data: Record<string, unknown>, modifiedAt: string, view: RecordView<V>): V {
    if (this.byId.has(id)) throw new Error(`${this.entity} ${id} already exists`);
    this.seq += 1;
    const rec: Stored = { id, data: copyData(data), modifiedAt, version: 1, seq: this.seq, deleted: false };
    this.byId.set(id, rec);
    this.order.push(rec);
    this.addToTimeline(rec);
    this.indexAdd(rec);
    return view(rec, this.entity);
  }

  /** Merges `data` into the record (or replaces it with `replace`); bumps version and modifiedAt. */
  update<V>(id: string, data: Record<string, unknown>, modifiedAt: string, replace: boolean, view: RecordView<V>): V | undefined {
    const rec = this.byId.get(id);
    if (!rec) return undefined;
    this.indexRemove(rec);
    rec.data = replace ? copyData(data) : { ...rec.data, ...copyData(data) };
    rec.modifiedAt = modifiedAt;
    rec.version += 1;
    this.staleInTimeline += 1;
    this.addToTimeline(rec);
    this.indexAdd(rec);
    return view(rec, this.entity);
  }

  delete(id: string): boolean {
    const rec = this.byId.get(id);
    if (!rec) return false;
    this.indexRemove(rec);
    rec.deleted = true;
    this.byId.delete(id);
    this.deletedInOrder += 1;
    this.staleInTimeline += 1;
    if (this.deletedInOrder > 1000 && this.deletedInOrder > this.order.length / 2) {
      this.order = this.order.filter((r) => !r.deleted);
      this.deletedInOrder = 0;
    }
    return true;
  }

  clear(): void {
    this.byId.clear();
    this.order = [];
    this.deletedInOrder = 0;
    this.timeline = [];
    this.timelineDirty = false;
    this.staleInTimeline = 0;
    this.indexes.clear();
  }

  all<V>(view: RecordView<V>): V[] {
    const out: V[] = [];
    for (const rec of this.byId.values()) out.push(view(rec, this.entity));
    return out;
  }

  /** Records in insertion order after `afterSeq`; `next` is the seq to continue from. */
  list<V>(afterSeq: number, pageSize: number, view: RecordView<V>): { records: V[]; next?: number } {
    const order = this.order;
    let lo = 0;
    let hi = order.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((order[mid] as Stored).seq <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    const records: V[] = [];
    let i = lo;
    let last = afterSeq;
    for (; i < order.length && records.length < pageSize; i++) {
      const rec = order[i] as Stored;
      if (rec.deleted) continue;
      records.push(view(rec, this.entity));
      last = rec.seq;
    }
    while (i < order.length && (order[i] as Stored).deleted) i++;
    return i < order.length ? { records, next: last } : { records };
  }

  /**
   * Records with (modifiedAt, id) ≥ (since, "") — or strictly after `after` when continuing — in
   * ascending (modifiedAt, id) order. `next` is the key of the last record returned when more follow.
   */
  poll<V>(
    since: string,
    after: { modifiedAt: string; id: string } | undefined,
    pageSize: number,
    view: RecordView<V>,
  ): { records: V[]; next?: { modifiedAt: string; id: string } } {
    this.prepareTimeline();
    const tl = this.timeline;
    let lo = 0;
    let hi = tl.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = tl[mid] as TimelineEntry;
      const before = after ? compareKey(e.modifiedAt, e.id, after.modifiedAt, after.id) <= 0 : e.modifiedAt < since;
      if (before) lo = mid + 1;
      else hi = mid;
    }
    const records: V[] = [];
    let i = lo;
    let lastKey: { modifiedAt: string; id: string } | undefined;
    for (; i < tl.length && records.length < pageSize; i++) {
      const e = tl[i] as TimelineEntry;
      if (!this.isLive(e) || e.modifiedAt < since) continue;
      records.push(view(e.rec, this.entity));
      lastKey = { modifiedAt: e.modifiedAt, id: e.id };
    }
    while (i < tl.length && !this.isLive(tl[i] as TimelineEntry)) i++;
    return i < tl.length && lastKey ? { records, next: lastKey } : { records };
  }

  findBy<V>(field: string, value: string, view: RecordView<V>): V[] {
    if (field === 'id') {
      const rec = this.byId.get(value);
      return rec ? [view(rec, this.entity)] : [];
    }
    let index = this.indexes.get(field);
    if (!index) {
      index = new Map();
      this.indexes.set(field, index);
      for (const rec of this.byId.values()) this.addTo(index, field, rec);
    }
    const ids = index.get(this.normalize(field, value));
    if (!ids) return [];
    const out: V[] = [];
    for (const id of ids) {
      const rec = this.byId.get(id);
      if (rec) out.push(view(rec, this.entity));
    }
    return out;
  }

  /** True when a live record other than `exceptId` has this email (case-insensitive). */
  emailTaken(email: string, exceptId?: string): boolean {
    if (!this.emailField) return false;
    return this.findBy(this.emailField, email, (rec) => rec.id).some((id) => id !== exceptId);
  }

  private isLive(e: TimelineEntry): boolean {
    return !e.rec.deleted && e.rec.version === e.version;
  }

  private addToTimeline(rec: Stored): void {
    const entry: TimelineEntry = { modifiedAt: rec.modifiedAt, id: rec.id, version: rec.version, rec };
    const last = this.timeline[this.timeline.length - 1];
    if (last && compareKey(last.modifiedAt, last.id, entry.modifiedAt, entry.id) > 0) this.timelineDirty = true;
    this.timeline.push(entry);
  }

  private prepareTimeline(): void {
    const compact = this.staleInTimeline > 1000 && this.staleInTimeline > this.timeline.length / 2;
    if (!this.timelineDirty && !compact) return;
    this.timeline = this.timeline.filter((e) => this.isLive(e));
    if (this.timelineDirty) this.timeline.sort((a, b) => compareKey(a.modifiedAt, a.id, b.modifiedAt, b.id));
    this.timelineDirty = false;
    this.staleInTimeline = 0;
  }

  private normalize(field: string, value: unknown): string {
    const text = String(value);
    return field === this.emailField ? text.trim().toLowerCase() : text;
  }

  private indexable(value: unknown): boolean {
    return typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean';
  }

  private addTo(index: Map<string, Set<string>>, field: string, rec: Stored): void {
    const value = rec.data[field];
    if (!this.indexable(value)) return;
    const key = this.normalize(field, value);
    let ids = index.get(key);
    if (!ids) {
      ids = new Set();
      index.set(key, ids);
    }
    ids.add(rec.id);
  }

  private indexAdd(rec: Stored): void {
    for (const [field, index] of this.indexes) this.addTo(index, field, rec);
  }

  private indexRemove(rec: Stored): void {
    for (const [field, index] of this.indexes) {
      const value = rec.data[field];
      if (!this.indexable(value)) continue;
      const key = this.normalize(field, value);
      const ids = index.get(key);
      if (!ids) continue;
      ids.delete(rec.id);
      if (ids.size === 0) index.delete(key);
    }
  }
}
