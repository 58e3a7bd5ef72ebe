import { createRng, fakeCompanyName, fakePerson, type Rng } from '../../simulator-kit/index.js';
import type { FaultState } from '../../simulator-kit/index.js';
import { WEBHOOK_KEY_HEADER } from '../wire.js';

/** A customer as the simulator stores and returns it (the 99minds wire shape). */
export interface SimCustomer {
  id: string;
  name: string | null;
  first_name: string | null;
  last_name: string | null;
  email: string | null;
  phone: string | null;
  client_customer_id: string | null;
  customer_number: string;
  company_name: string | null;
  notes: string | null;
  birthday_str: string | null;
  store_reference_id: string;
  created_at: string;
  updated_at: string;
}

export interface SimLoyaltyCard {
  id: string;
  card_number: string;
  customer_id: string;
  point_balance: number;
  active: boolean;
  created_at: string;
}

export interface SimTransaction {
  id: string;
  customer_id: string;
  card_id: string;
  amount: number;
  transaction_type: string;
  transaction_date: string;
  client_order_id: string | null;
  description: string | null;
}

export type SimWebhookEventName = 'customer/created' | 'customer/updated' | 'customer/deleted';

export interface SimWebhookTarget {
  id: string;
  url: string;
  key: string;
  events: SimWebhookEventName[];
}

export interface SimWebhookDelivery {
  targetId: string;
  event: SimWebhookEventName;
  customerId: string;
  /** `dropped` by fault injection, `failed` when the target did not answer 2xx. */
  outcome: 'delivered' | 'dropped' | 'failed';
  status?: number;
  /** True for the extra copy sent by the duplicate fault. */
  duplicate: boolean;
  at: string;
}

export type SimCustomerInput = Partial<Omit<SimCustomer, 'customer_number' | 'store_reference_id'>> & { customer_number?: string };

export interface SimTransactionInput {
  amount: number;
  /** `EARN` (default), `REDEMPTION` (subtracts from the balance) or `ADJUSTMENT`. */
  transaction_type?: string;
  client_order_id?: string | null;
  transaction_date?: string;
  description?: string | null;
}

/** In-process handle on the simulator's data (no faults, not counted). Changes fire webhooks like API writes. */
export interface NinetyNineMindsSimulatorData {
  readonly storeReferenceId: string;
  insertCustomer(input?: SimCustomerInput): SimCustomer;
  updateCustomer(id: string, patch: SimCustomerInput): SimCustomer;
  deleteCustomer(id: string): boolean;
  getCustomer(id: string): SimCustomer | undefined;
  listCustomers(): SimCustomer[];
  countCustomers(): number;
  addTransaction(customerId: string, input: SimTransactionInput): SimTransaction;
  getTransaction(id: string): SimTransaction | undefined;
  transactionsOf(customerId: string): SimTransaction[];
  loyaltyCardOf(customerId: string): SimLoyaltyCard | undefined;
  registerWebhook(url: string, options?: { key?: string; events?: SimWebhookEventName[] }): SimWebhookTarget;
  unregisterWebhook(id: string): boolean;
  readonly deliveries: readonly SimWebhookDelivery[];
  /** Waits until every webhook delivery started so far has finished. */
  flushWebhooks(): Promise<void>;
}

const HEX = '0123456789abcdef';
function hex(rng: Rng, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += HEX[rng.int(0, 15)];
  return out;
}

/** The simulator's store: customers, one loyalty card each, transactions, webhook targets. */
export class SimStore implements NinetyNineMindsSimulatorData {
  readonly customers = new Map<string, SimCustomer>();
  readonly cards = new Map<string, SimLoyaltyCard>();
  readonly cardByCustomer = new Map<string, string>();
  readonly transactions = new Map<string, SimTransaction>();
  readonly transactionsByCustomer = new Map<string, string[]>();
  readonly targets = new Map<string, SimWebhookTarget>();
  readonly deliveries: SimWebhookDelivery[] = [];
  private readonly pending = new Set<Promise<void>>();
  private readonly lastDelivery = new Map<string, Promise<void>>();
  private byUpdated: SimCustomer[] | null = null;
  private rng: Rng;
  private counter = 0;
  private lastMs = 0;

  constructor(
    readonly storeReferenceId: string,
    private readonly defaultWebhookKey: string,
    private readonly faults: FaultState,
    private readonly seed: number,
    private readonly clock: () => number,
  ) {
    this.rng = createRng(seed);
  }

  /** Strictly increasing timestamps, so every change has its own updated_at. */
  nowIso(): string {
    const ms = Math.max(this.clock(), this.lastMs + 1);
    this.lastMs = ms;
    return new Date(ms).toISOString();
  }

  nextId(prefix: string): string {
    this.counter += 1;
    return `${prefix}_${hex(this.rng, 10)}${this.counter.toString(16).padStart(8, '0')}`;
  }

  reset(records: number): void {
    this.customers.clear();
    this.cards.clear();
    this.cardByCustomer.clear();
    this.transactions.clear();
    this.transactionsByCustomer.clear();
    this.byUpdated = null;
    this.rng = createRng(this.seed);
    this.counter = 0;
    this.generate(records);
  }

  /** Deterministic customers (same seed, same data) with 0–3 loyalty transactions each. */
  private generate(records: number): void {
    const base = this.clock() - (records + 1) * 60_000;
    for (let i = 1; i <= records; i++) {
      const p = fakePerson(this.rng, i);
      const created = new Date(base + i * 60_000 - 30_000).toISOString();
      const updated = new Date(base + i * 60_000).toISOString();
      const customer = this.insertCustomer(
        {
          first_name: p.firstName,
          last_name: p.lastName,
          email: p.email,
          phone: p.phone,
          client_customer_id: `CUST-${String(i).padStart(6, '0')}`,
          company_name: this.rng.chance(0.3) ? fakeCompanyName(this.rng, i) : null,
          notes: this.rng.chance(0.2) ? `Prefers ${p.city} store` : null,
          created_at: created,
          updated_at: updated,
        },
        false,
      );
      const count = this.rng.int(0, 3);
      for (let t = 0; t < count; t++) {
        const redeem = t > 0 && this.rng.chance(0.3);
        this.addTransaction(
          customer.id,
          {
            amount: redeem ? this.rng.int(1, 10) : this.rng.int(10, 200),
            transaction_type: redeem ? 'REDEMPTION' : 'EARN',
            client_order_id: redeem ? null : `ORD-${i}-${t + 1}`,
            transaction_date: new Date(Date.parse(created) + (t + 1) * 1000).toISOString(),
          },
          false,
        );
      }
    }
  }

  private issueCard(customer: SimCustomer): SimLoyaltyCard {
    const card: SimLoyaltyCard = {
      id: this.nextId('loyaltycard'),
      card_number: `LC${String(this.counter).padStart(10, '0')}`,
      customer_id: customer.id,
      point_balance: 0,
      active: true,
      created_at: customer.created_at,
    };
    this.cards.set(card.id, card);
    this.cardByCustomer.set(customer.id, card.id);
    return card;
  }

  insertCustomer(input: SimCustomerInput = {}, notify = true): SimCustomer {
    const now = this.nowIso();
    const first = input.first_name ?? null;
    const last = input.last_name ?? null;
    const id = input.id ?? this.nextId('customer');
    if (this.customers.has(id)) throw new Error(`customer ${id} already exists`);
    const customer: SimCustomer = {
      id,
      name: input.name ?? ([first, last].filter(Boolean).join(' ') || null),
      first_name: first,
      last_name: last,
      email: input.email ?? null,
      phone: input.phone ?? null,
      client_customer_id: input.client_customer_id ?? null,
      customer_number: input.customer_number ?? String(100000 + this.customers.size + 1),
      company_name: input.company_name ?? null,
      notes: input.notes ?? null,
      birthday_str: input.birthday_str ?? null,
      store_reference_id: this.storeReferenceId,
      created_at: input.created_at ?? now,
      updated_at: input.updated_at ?? input.created_at ?? now,
    };
    this.customers.set(id, customer);
    this.byUpdated = null;
    // A new customer gets a loyalty card with a starting balance of 0.
    this.issueCard(customer);
    if (notify) this.notify('customer/created', customer);
    return { ...customer };
  }

  updateCustomer(id: string, patch: SimCustomerInput, notify = true): SimCustomer {
    const customer = this.customers.get(id);
    if (!customer) throw new Error(`customer ${id} not found`);
    const { id: _id, created_at: _created, ...changes } = patch;
    Object.assign(customer, changes);
    if (patch.name === undefined && (patch.first_name !== undefined || patch.last_name !== undefined)) {
      customer.name = [customer.first_name, customer.last_name].filter(Boolean).join(' ') || null;
    }
    customer.updated_at = patch.updated_at ?? this.nowIso();
    this.byUpdated = null;
    if (notify) this.notify('customer/updated', customer);
    return { ...customer };
  }

  deleteCustomer(id: string): boolean {
    const customer = this.customers.get(id);
    if (!customer) return false;
    this.customers.delete(id);
    this.byUpdated = null;
    this.notify('customer/deleted', customer);
    return true;
  }

  getCustomer(id: string): SimCustomer | undefined {
    const c = this.customers.get(id);
    return c ? { ...c } : undefined;
  }

  listCustomers(): SimCustomer[] {
    return [...this.customers.values()].map((c) => ({ ...c }));
  }

  countCustomers(): number {
    return this.customers.size;
  }

  /** Customers sorted by (updated_at, id), cached until the next change. */
  sortedByUpdated(): SimCustomer[] {
    if (!this.byUpdated) {
      this.byUpdated = [...this.customers.values()].sort((a, b) =>
        a.updated_at < b.updated_at ? -1 : a.updated_at > b.updated_at ? 1 : a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
      );
    }
    return this.byUpdated;
  }

  /** Records a loyalty transaction, moves the points balance and touches the customer (polling sees it). */
  addTransaction(customerId: string, input: SimTransactionInput, notify = true): SimTransaction {
    const customer = this.customers.get(customerId);
    if (!customer) throw new Error(`customer ${customerId} not found`);
    const cardId = this.cardByCustomer.get(customerId) as string;
    const card = this.cards.get(cardId) as SimLoyaltyCard;
    const type = input.transaction_type ?? 'EARN';
    const tx: SimTransaction = {
      id: this.nextId('transaction'),
      customer_id: customerId,
      card_id: cardId,
      amount: input.amount,
      transaction_type: type,
      transaction_date: input.transaction_date ?? this.nowIso(),
      client_order_id: input.client_order_id ?? null,
      description: input.description ?? null,
    };
    this.transactions.set(tx.id, tx);
    const list = this.transactionsByCustomer.get(customerId) ?? [];
    list.push(tx.id);
    this.transactionsByCustomer.set(customerId, list);
    card.point_balance += type === 'REDEMPTION' ? -Math.abs(tx.amount) : tx.amount;
    if (notify) this.updateCustomer(customerId, {});
    return { ...tx };
  }

  getTransaction(id: string): SimTransaction | undefined {
    const t = this.transactions.get(id);
    return t ? { ...t } : undefined;
  }

  transactionsOf(customerId: string): SimTransaction[] {
    return (this.transactionsByCustomer.get(customerId) ?? []).map((id) => ({ ...(this.transactions.get(id) as SimTransaction) }));
  }

  loyaltyCardOf(customerId: string): SimLoyaltyCard | undefined {
    const id = this.cardByCustomer.get(customerId);
    const card = id ? this.cards.get(id) : undefined;
    return card ? { ...card } : undefined;
  }

  registerWebhook(url: string, options: { key?: string; events?: SimWebhookEventName[] } = {}): SimWebhookTarget {
    const target: SimWebhookTarget = {
      id: this.nextId('webhook'),
      url,
      key: options.key ?? this.defaultWebhookKey,
      events: options.events ?? ['customer/created', 'customer/updated', 'customer/deleted'],
    };
    this.targets.set(target.id, target);
    return { ...target };
  }

  unregisterWebhook(id: string): boolean {
    return this.targets.delete(id);
  }

  async flushWebhooks(): Promise<void> {
    while (this.pending.size > 0) await Promise.all([...this.pending]);
  }

  /** Sends `event` to every target, honouring the drop/duplicate faults. */
  notify(event: SimWebhookEventName, customer: SimCustomer): void {
    const body = { id: this.nextId('event'), event, created_at: this.nowIso(), data: { ...customer } };
    for (const target of this.targets.values()) {
      if (!target.events.includes(event)) continue;
      if (this.faults.webhookDrop > 0) {
        this.faults.webhookDrop -= 1;
        this.deliveries.push({ targetId: target.id, event, customerId: customer.id, outcome: 'dropped', duplicate: false, at: body.created_at });
        continue;
      }
      let copies = 1;
      if (this.faults.webhookDuplicate > 0) {
        this.faults.webhookDuplicate -= 1;
        copies = 2;
      }
      for (let copy = 0; copy < copies; copy++) this.deliver(target, event, customer.id, body, copy > 0);
    }
  }

  /** Deliveries to one target go one at a time, in order of the changes. */
  private deliver(target: SimWebhookTarget, event: SimWebhookEventName, customerId: string, body: unknown, duplicate: boolean): void {
    const previous = this.lastDelivery.get(target.id) ?? Promise.resolve();
    const send = () => fetch(target.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', [WEBHOOK_KEY_HEADER]: target.key, 'user-agent': '99minds-webhooks (simulator)' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(10_000),
    })
      .then(async (response) => {
        await response.arrayBuffer().catch(() => undefined);
        this.deliveries.push({ targetId: target.id, event, customerId, outcome: response.ok ? 'delivered' : 'failed', status: response.status, duplicate, at: new Date().toISOString() });
      })
      .catch(() => {
        this.deliveries.push({ targetId: target.id, event, customerId, outcome: 'failed', duplicate, at: new Date().toISOString() });
      });
    const promise: Promise<void> = previous.then(send).finally(() => {
      this.pending.delete(promise);
      if (this.lastDelivery.get(target.id) === promise) this.lastDelivery.delete(target.id);
    });
    this.lastDelivery.set(target.id, promise);
    this.pending.add(promise);
  }
}
