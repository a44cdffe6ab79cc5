/**
 * Idempotency for writes, keyed by (tenant, idempotency key) with a fingerprint of the
 * input. The first request claims the key; identical requests that arrive meanwhile wait
 * for its outcome instead of writing again; a different input under the same key is a
 * conflict. An outcome the gateway could not establish (the vendor timed out and could not
 * be asked) is kept as `unknown`, so the next request with that key reconciles first.
 *
 * The interface is what a shared store (Redis) implements too; this module's in-memory
 * store serves one process.
 */

export type IdempotencyRecord<T> =
  | { readonly state: 'pending'; readonly fingerprint: string; readonly reference: string }
  | { readonly state: 'done'; readonly fingerprint: string; readonly reference: string; readonly payload: T }
  | { readonly state: 'unknown'; readonly fingerprint: string; readonly reference: string };

export type ClaimResult<T> =
  /** This request owns the key; `reconcile` is set when an earlier outcome is unknown. */
  | { readonly claimed: true; readonly reference: string; readonly reconcile: boolean }
  | { readonly claimed: false; readonly record: IdempotencyRecord<T> };

export interface IdempotencyStore<T> {
  /** Atomically claims `key` for a request with this fingerprint, or returns what holds it. */
  claim(key: string, fingerprint: string, reference: string): Promise<ClaimResult<T>>;
  /** Resolves once the key is no longer pending (or after `timeoutMs`), with its record. */
  waitForSettled(key: string, timeoutMs: number): Promise<IdempotencyRecord<T> | undefined>;
  /** Records the final payload, replayed to every later request with the same key. */
  complete(key: string, payload: T): Promise<void>;
  /** Keeps the claim as `unknown`: the write may have happened. */
  markUnknown(key: string): Promise<void>;
  /** Drops the claim: nothing was written, a retry may write. */
  release(key: string): Promise<void>;
}

interface Entry<T> {
  record: IdempotencyRecord<T>;
  expiresAt: number;
  settled: Promise<void>;
  settle: () => void;
}

export class InMemoryIdempotencyStore<T> implements IdempotencyStore<T> {
  /** In expiry order (each write moves its key to the end), so expired keys are at the front. */
  private readonly entries = new Map<string, Entry<T>>();

  /** Completed keys are kept this long (Stripe keeps them 24 hours). */
  constructor(private readonly ttlMs = 24 * 3_600_000) {}

  async claim(key: string, fingerprint: string, reference: string): Promise<ClaimResult<T>> {
    this.sweep();
    const entry = this.live(key);
    if (entry && !(entry.record.state === 'unknown' && entry.record.fingerprint === fingerprint)) {
      return { claimed: false, record: entry.record };
    }
    // A key whose outcome is unknown is claimed again with its first reference, to reconcile.
    const kept = entry?.record.reference ?? reference;
    this.put(key, this.entry({ state: 'pending', fingerprint, reference: kept }));
    return { claimed: true, reference: kept, reconcile: entry !== undefined };
  }

  async waitForSettled(key: string, timeoutMs: number): Promise<IdempotencyRecord<T> | undefined> {
    const entry = this.live(key);
    if (entry?.record.state === 'pending') {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([entry.settled, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
      clearTimeout(timer);
    }
    return this.live(key)?.record;
  }

  async complete(key: string, payload: T): Promise<void> {
    this.settle(key, (record) => ({ state: 'done', fingerprint: record.fingerprint, reference: record.reference, payload }));
  }

  async markUnknown(key: string): Promise<void> {
    this.settle(key, (record) => ({ state: 'unknown', fingerprint: record.fingerprint, reference: record.reference }));
  }

  async release(key: string): Promise<void> {
    const entry = this.entries.get(key);
    this.entries.delete(key);
    entry?.settle();
  }

  private settle(key: string, next: (record: IdempotencyRecord<T>) => IdempotencyRecord<T>): void {
    const entry = this.entries.get(key);
    if (!entry) return;
    this.put(key, this.entry(next(entry.record)));
    entry.settle();
  }

  private put(key: string, entry: Entry<T>): void {
    this.entries.delete(key);
    this.entries.set(key, entry);
  }

  /** Forgets expired keys: a key nobody asks about again would otherwise stay for ever. */
  private sweep(): void {
    const now = Date.now();
    for (const [key, entry] of this.entries) {
      if (entry.expiresAt > now) return;
      this.entries.delete(key);
      entry.settle();
    }
  }

  private entry(record: IdempotencyRecord<T>): Entry<T> {
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    return { record, expiresAt: Date.now() + this.ttlMs, settled, settle };
  }

  private live(key: string): Entry<T> | undefined {
    const entry = this.entries.get(key);
    if (entry && entry.expiresAt <= Date.now()) {
      this.entries.delete(key);
      return undefined;
    }
    return entry;
  }
}
