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

/** How a client's session is written to, and read back from, a TokenStore. */
export interface SessionCodec<S> {
  encode(session: S): string;
  /** undefined for text this client did not write. */
  decode(text: string): S | undefined;
}

export interface SharedSessionOptions<S> {
  readonly login: () => Promise<S>;
  readonly codec: SessionCodec<S>;
  /** Shares the session with every replica; this process alone without it. */
  readonly store?: TokenStore;
  /** tokenKey(…) of the connection and its credentials. */
  readonly key: string;
  readonly ttlMs?: number;
  /** A session the credentials already are (a configured key): used until the vendor refuses it. */
  readonly initial?: S;
}

/**
 * A client's login session: one login at a time, shared by every concurrent caller; a
 * failed login is not kept, so the next call tries again; a session the vendor refused is
 * replaced once, by the first caller that sees it refused, and the others join that login.
 */
export class SharedSession<S> {
  private session: Promise<S> | undefined;

  constructor(private readonly options: SharedSessionOptions<S>) {
    if (options.initial !== undefined) this.session = Promise.resolve(options.initial);
  }

  current(): Promise<S> {
    return this.session ?? this.start(undefined);
  }

  /** After the vendor refused `refused`: a new login, unless another caller already began one. */
  replace(refused: Promise<S>): Promise<S> {
    return this.session === refused ? this.start(refused) : this.current();
  }

  private start(refused: Promise<S> | undefined): Promise<S> {
    const store = this.options.store;
    const login = store ? this.sharedLogin(store, refused) : this.options.login();
    this.session = login;
    login.catch(() => {
      if (this.session === login) this.session = undefined;
    });
    return login;
  }

  private async sharedLogin(store: TokenStore, refused: Promise<S> | undefined): Promise<S> {
    const { codec, key, login, ttlMs = DEFAULT_TOKEN_TTL_MS } = this.options;
    return sharedLogin(store, key, codec, login, refused ? await refused : undefined, ttlMs);
  }
}

/**
 * The session every replica uses. A refused one is removed first — only if the store still
 * holds that one: another replica may already have logged in and stored its successor.
 */
export async function sharedLogin<S>(store: TokenStore, key: string, codec: SessionCodec<S>, login: () => Promise<S>, refused: S | undefined, ttlMs: number): Promise<S> {
  if (refused !== undefined) await store.deleteIfEqual(key, codec.encode(refused)).catch(() => false);
  const stored = await sharedToken(store, key, async () => codec.encode(await login()), { ttlMs });
  const session = codec.decode(stored);
  if (session !== undefined) return session;
  // Not something this client wrote: drop it, and the next login stores a proper one.
  await store.deleteIfEqual(key, stored).catch(() => false);
  return login();
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
