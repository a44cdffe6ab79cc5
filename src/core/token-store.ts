/**
 * Where vendor clients keep the token or session their credentials bought, so that every
 * replica of the gateway uses one token instead of each buying its own (some vendors
 * revoke the previous token when a new one is issued, or count logins against a quota).
 *
 * A client keeps its in-process single flight (concurrent callers share one promise); this
 * store adds the cross-process part: a short lock so that of two replicas starting at once
 * only one buys, and a delete that only removes the token a replica saw refused — never the
 * fresh one another replica has just stored. In memory it serves one process; the Redis
 * implementation (src/state/tokens.ts) serves them all.
 *
 * Keys name the connection and a hash of the credentials, never a credential itself.
 */
import { createHash, randomUUID } from 'node:crypto';

export interface TokenStore {
  get(key: string): Promise<string | undefined>;
  /** Stores `value` for `ttlMs`. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  /** Deletes `key` only while it still holds `value`; true when it did. */
  deleteIfEqual(key: string, value: string): Promise<boolean>;
  /**
   * Takes the buying lock of `key` for at most `ttlMs` (it expires should its holder die);
   * resolves a function that releases it, or undefined when another caller holds it.
   */
  tryLock(key: string, ttlMs: number): Promise<(() => Promise<void>) | undefined>;
}

/** A token kept this long when the vendor gives it no lifetime; a refused one is replaced sooner. */
export const DEFAULT_TOKEN_TTL_MS = 12 * 3_600_000;

/**
 * `<vendor>:<connection>:<hash>`: a change of credentials in the configuration makes a new
 * key, so a token bought with the old ones is not reused.
 */
export function tokenKey(vendor: string, connectionId: string, credentials: readonly string[]): string {
  const digest = createHash('sha256').update(JSON.stringify(credentials)).digest('hex').slice(0, 32);
  return `${vendor}:${connectionId}:${digest}`;
}

export interface SharedTokenOptions {
  /** How long the bought token is kept. */
  readonly ttlMs: number;
  /** How long a buyer may hold the lock; longer than one login takes. */
  readonly lockMs?: number;
  /** First pause between looks while another caller buys; doubles up to 500 ms. */
  readonly pollMs?: number;
  /** After this long waiting on another buyer that stores nothing, buy one here. */
  readonly maxWaitMs?: number;
}

const UNAVAILABLE = Symbol('store unavailable');

async function safely<T>(operation: () => Promise<T>): Promise<T | typeof UNAVAILABLE> {
  try {
    return await operation();
  } catch {
    return UNAVAILABLE;
  }
}

/**
 * The stored token of `key`, or one bought by `buy` under the lock and stored. A store
 * that cannot be reached (Redis down) costs a token of this process's own, never a failed
 * request; `buy`'s own failures reach the caller unchanged.
 */
export async function sharedToken(store: TokenStore, key: string, buy: () => Promise<string>, options: SharedTokenOptions): Promise<string> {
  const { ttlMs, lockMs = 15_000, pollMs = 25, maxWaitMs = 15_000 } = options;
  const giveUpAt = Date.now() + maxWaitMs;
  for (let pause = pollMs; ; pause = Math.min(pause * 2, 500)) {
    const cached = await safely(() => store.get(key));
    if (cached === UNAVAILABLE) return buy();
    if (cached !== undefined) return cached;
    const release = await safely(() => store.tryLock(key, lockMs));
    if (release === UNAVAILABLE) return buy();
    if (release) {
      try {
        // Another caller may have stored a token between the look and the lock.
        const fresh = await safely(() => store.get(key));
        if (fresh !== UNAVAILABLE && fresh !== undefined) return fresh;
        const token = await buy();
        await safely(() => store.set(key, token, ttlMs));
        return token;
      } finally {
        await safely(release);
      }
    }
    if (Date.now() >= giveUpAt) return buy();
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
}

/** One process's token store. */
export class InMemoryTokenStore implements TokenStore {
  private readonly values = new Map<string, { value: string; expiresAt: number }>();
  private readonly locks = new Map<string, { owner: string; expiresAt: number }>();

  async get(key: string): Promise<string | undefined> {
    const entry = this.values.get(key);
    if (entry && entry.expiresAt <= Date.now()) this.values.delete(key);
    return this.values.get(key)?.value;
  }

  async set(key: string, value: string, ttlMs: number): Promise<void> {
    this.values.set(key, { value, expiresAt: Date.now() + ttlMs });
  }

  async deleteIfEqual(key: string, value: string): Promise<boolean> {
    if ((await this.get(key)) !== value) return false;
    this.values.delete(key);
    return true;
  }

  async tryLock(key: string, ttlMs: number): Promise<(() => Promise<void>) | undefined> {
    const held = this.locks.get(key);
    if (held && held.expiresAt > Date.now()) return undefined;
    const owner = randomUUID();
    this.locks.set(key, { owner, expiresAt: Date.now() + ttlMs });
    return async () => {
      if (this.locks.get(key)?.owner === owner) this.locks.delete(key);
    };
  }
}
