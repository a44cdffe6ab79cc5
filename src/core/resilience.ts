/**
 * How the gateway treats a vendor that is slow, busy or down — per connection, whatever
 * the vendor:
 *
 *  - a deadline for the connection's reads within one GraphQL request, shorter than the
 *    request's own, so a slow vendor is reported FAILED while the others' data still goes
 *    out;
 *  - reads (never writes) retried with exponential backoff and full jitter, at most
 *    `maxAttempts` tries, only for retryable failures, waiting at least what the vendor's
 *    retry hint says, and never past the deadline;
 *  - a retry budget: retries stay under `budgetPercent` of the connection's calls over a
 *    sliding window (plus a small floor), so a failing vendor is not hammered;
 *  - on the HTTP transport: a limiter (in flight, per second) and a circuit breaker.
 *
 * Token refresh on 401 happens inside each vendor client, once; it is not repeated here.
 */
import { z } from 'zod';
import type { BatchLoad, CallOptions, EntitySource, EntitySources, ListRequest, VendorAdapter } from './adapter.ts';
import { ConnectionBreaker, type ConnectionHealth } from './breaker.ts';
import { deadlineOf, withDeadline } from './deadline.ts';
import { VendorCircuitOpenError, VendorError, VendorRateLimitedError } from './errors.ts';
import type { Dispatcher } from 'undici';
import { createHttpAgent, DEFAULT_TIMEOUTS, HttpTransport, type CallSite, type HttpTimeouts } from './http.ts';
import { upstreamRetries, watchBreaker } from '../observability/metrics.ts';
import { CallLimiter, type SharedTokenBucket } from './limiter.ts';
import type { EntityKind } from './model.ts';

// ---------------------------------------------------------------------------------------
// Settings

const positiveMs = z.number().int().min(1).max(600_000);

/** A connection's `resilience` object in the configuration file; every field optional. */
export const ResilienceConfigSchema = z
  .object({
    timeouts: z.object({ connectMs: positiveMs, headersMs: positiveMs, bodyMs: positiveMs }).partial().strict().optional(),
    /** The longest this connection's reads may take within one GraphQL request, retries included. */
    requestDeadlineMs: positiveMs.optional(),
    maxConcurrency: z.number().int().min(1).max(1_000).optional(),
    ratePerSecond: z.number().positive().max(100_000).optional(),
    burst: z.number().int().min(1).max(100_000).optional(),
    retry: z
      .object({
        maxAttempts: z.number().int().min(1).max(10),
        budgetPercent: z.number().min(0).max(100),
        budgetFloor: z.number().int().min(0).max(1_000),
        budgetWindowMs: positiveMs,
        baseDelayMs: z.number().int().min(0).max(60_000),
        maxDelayMs: z.number().int().min(0).max(600_000),
      })
      .partial()
      .strict()
      .optional(),
    breaker: z.object({ failureThreshold: z.number().int().min(1).max(1_000), halfOpenAfterMs: positiveMs }).partial().strict().optional(),
  })
  .strict();

export type ResilienceConfig = z.infer<typeof ResilienceConfigSchema>;

export interface RetrySettings {
  /** Tries of one read, the first included. */
  readonly maxAttempts: number;
  /** Retries allowed as a share of calls over the window. */
  readonly budgetPercent: number;
  /** Retries always allowed per window, so a quiet connection can still retry. */
  readonly budgetFloor: number;
  readonly budgetWindowMs: number;
  /** Backoff before retry n (1-based) is random in [0, min(maxDelayMs, baseDelayMs·2^(n-1))]. */
  readonly baseDelayMs: number;
  readonly maxDelayMs: number;
}

export interface ResilienceSettings {
  readonly timeouts: HttpTimeouts;
  readonly requestDeadlineMs: number;
  readonly maxConcurrency: number;
  /** Requests started per second, on average. */
  readonly ratePerSecond: number;
  /** Requests that may start back to back after a quiet spell. */
  readonly burst: number;
  readonly retry: RetrySettings;
  readonly breaker: { readonly failureThreshold: number; readonly halfOpenAfterMs: number };
}

/**
 * Below the vendors' limits and below the request deadline (10 s): see README "Failure
 * behaviour". The burst lets the largest query (100 sales with one detail call each, about
 * 120 calls) finish well inside the 8 s read deadline, while a sustained load stays at
 * 20 calls a second. Tactill counts 3,000 non-GET calls per 10 minutes: a connection that
 * reads it all day long should lower `ratePerSecond` to 5.
 */
export const DEFAULT_RESILIENCE: ResilienceSettings = {
  timeouts: DEFAULT_TIMEOUTS,
  requestDeadlineMs: 8_000,
  maxConcurrency: 8,
  ratePerSecond: 20,
  burst: 100,
  retry: { maxAttempts: 3, budgetPercent: 20, budgetFloor: 5, budgetWindowMs: 10_000, baseDelayMs: 100, maxDelayMs: 2_000 },
  breaker: { failureThreshold: 5, halfOpenAfterMs: 10_000 },
};

export function resolveResilience(config: ResilienceConfig = {}): ResilienceSettings {
  const d = DEFAULT_RESILIENCE;
  return {
    timeouts: { ...d.timeouts, ...config.timeouts },
    requestDeadlineMs: config.requestDeadlineMs ?? d.requestDeadlineMs,
    maxConcurrency: config.maxConcurrency ?? d.maxConcurrency,
    ratePerSecond: config.ratePerSecond ?? d.ratePerSecond,
    burst: config.burst ?? d.burst,
    retry: { ...d.retry, ...config.retry },
    breaker: { ...d.breaker, ...config.breaker },
  };
}

// ---------------------------------------------------------------------------------------
// Retry budget

/**
 * Retries allowed over a sliding window: fewer than `floor + percent% × calls`. A call
 * is one read as the gateway asked for it; its retries are counted apart.
 */
export class RetryBudget {
  private calls: number[] = [];
  private retries: number[] = [];

  constructor(
    readonly percent: number,
    readonly floor: number,
    readonly windowMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  recordCall(): void {
    this.prune();
    this.calls.push(this.now());
  }

  /** Takes one retry from the budget; false when it is spent. */
  tryRetry(): boolean {
    this.prune();
    if (this.retries.length >= this.floor + (this.percent / 100) * this.calls.length) return false;
    this.retries.push(this.now());
    return true;
  }

  get usage(): { calls: number; retries: number } {
    this.prune();
    return { calls: this.calls.length, retries: this.retries.length };
  }

  private prune(): void {
    const since = this.now() - this.windowMs;
    // Timestamps are pushed in order, so the stale ones are a prefix.
    const firstFresh = (list: number[]) => {
      let index = 0;
      while (index < list.length && list[index]! <= since) index += 1;
      return index;
    };
    this.calls.splice(0, firstFresh(this.calls));
    this.retries.splice(0, firstFresh(this.retries));
  }
}

// ---------------------------------------------------------------------------------------
// Retry policy

/**
 * How long to wait before retry `retry` (1 for the first retry), or undefined when this
 * failure is not worth retrying. A vendor's own hint (`retryAfterMs`) is a minimum.
 */
export function retryDelay(error: unknown, retry: number, settings: RetrySettings, random: () => number = Math.random): number | undefined {
  if (!(error instanceof VendorError) || !error.retryable) return undefined;
  // Retrying into an open circuit only costs a fast failure; the breaker decides when to probe.
  if (error instanceof VendorCircuitOpenError) return undefined;
  const ceiling = Math.min(settings.maxDelayMs, settings.baseDelayMs * 2 ** (retry - 1));
  const backoff = Math.floor(random() * ceiling);
  const hint = error instanceof VendorRateLimitedError ? error.retryAfterMs : undefined;
  return hint === undefined ? backoff : Math.max(hint, backoff);
}

export interface RetryContext {
  readonly settings: RetrySettings;
  readonly budget: RetryBudget;
  /** Consulted before each retry: an open circuit means no retry. */
  readonly breaker?: ConnectionBreaker;
  readonly random?: () => number;
  readonly now?: () => number;
  /** Whose retries `posgraph_upstream_retries_total` counts; uncounted without it. */
  readonly site?: CallSite;
}

/**
 * Runs `attempt` until it succeeds, fails for good, runs out of attempts or budget, or
 * the next try would start after `signal`'s deadline. The last failure is thrown as is.
 */
export async function retryRead<T>(context: RetryContext, signal: AbortSignal | undefined, attempt: (signal: AbortSignal | undefined) => Promise<T>): Promise<T> {
  const { settings, budget, breaker } = context;
  const now = context.now ?? Date.now;
  budget.recordCall();
  for (let tries = 1; ; tries += 1) {
    try {
      return await attempt(signal);
    } catch (error) {
      if (tries >= settings.maxAttempts || signal?.aborted) throw error;
      const delay = retryDelay(error, tries, settings, context.random);
      if (delay === undefined) throw error;
      const deadline = deadlineOf(signal);
      if (deadline !== undefined && now() + delay >= deadline) throw error;
      if (breaker?.rejecting) throw error;
      if (!budget.tryRetry()) throw error;
      if (!(await sleep(delay, signal))) throw error;
      if (context.site) upstreamRetries.inc({ vendor: context.site.vendor, connection: context.site.connection });
    }
  }
}

/** Resolves true after `ms`, or false as soon as `signal` fires. */
function sleep(ms: number, signal: AbortSignal | undefined): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const onAbort = () => {
      clearTimeout(timer);
      resolve(false);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

// ---------------------------------------------------------------------------------------
// One connection's guards

export interface ConnectionResilience {
  readonly settings: ResilienceSettings;
  readonly transport: HttpTransport;
  readonly breaker: ConnectionBreaker;
  readonly budget: RetryBudget;
  health(): ConnectionHealth;
  /** The adapter with every read (list pages, batch loads) under deadline and retries; writers untouched. */
  guardReads(adapter: VendorAdapter): VendorAdapter;
}

export interface ResilienceDependencies {
  /** The shared agent; a connection that sets its own connect timeout gets an agent of its own. */
  readonly dispatcher?: Dispatcher;
  readonly random?: () => number;
  /** The connection's vendor and id: its breaker state and retries are reported under them. */
  readonly site?: CallSite;
  /** The connection's rate budget shared with other replicas (Redis); a bucket of this process's own when absent. */
  readonly sharedBucket?: SharedTokenBucket;
}

export function createConnectionResilience(
  config: ResilienceConfig | undefined,
  dependencies: ResilienceDependencies = {},
): ConnectionResilience {
  const settings = resolveResilience(config);
  const breaker = new ConnectionBreaker(settings.breaker);
  const budget = new RetryBudget(settings.retry.budgetPercent, settings.retry.budgetFloor, settings.retry.budgetWindowMs);
  // undici takes header and body timeouts per request, but the connect timeout per agent.
  const dispatcher = config?.timeouts?.connectMs === undefined ? dependencies.dispatcher : createHttpAgent(settings.timeouts).agent;
  const transport = new HttpTransport({
    dispatcher,
    timeouts: settings.timeouts,
    limiter: new CallLimiter({ maxConcurrency: settings.maxConcurrency, ratePerSecond: settings.ratePerSecond, burst: settings.burst, sharedBucket: dependencies.sharedBucket }),
    breaker,
  });
  const retry: RetryContext = { settings: settings.retry, budget, breaker, random: dependencies.random, site: dependencies.site };
  if (dependencies.site) watchBreaker(dependencies.site, breaker);
  return {
    settings,
    transport,
    breaker,
    budget,
    health: () => breaker.health(),
    guardReads: (adapter) => guardReads(adapter, retry, settings.requestDeadlineMs),
  };
}

/**
 * The connection's deadline within one request runs from its first read in that request:
 * keyed by the request's signal, every read of the request on this connection shares it
 * (adapters that cache per request key on the signal too, so it must stay the same object).
 */
function deadlinesPerRequest(ms: number): (signal: AbortSignal | undefined) => AbortSignal {
  const derived = new WeakMap<AbortSignal, AbortSignal>();
  return (signal) => {
    if (!signal) return withDeadline(undefined, ms);
    let own = derived.get(signal);
    if (!own) {
      own = withDeadline(signal, ms);
      derived.set(signal, own);
    }
    return own;
  };
}

function guardReads(adapter: VendorAdapter, retry: RetryContext, requestDeadlineMs: number): VendorAdapter {
  const signalFor = deadlinesPerRequest(requestDeadlineMs);
  const guarded = <T>(options: CallOptions | undefined, read: (options: CallOptions) => Promise<T>): Promise<T> => {
    const signal = signalFor(options?.signal);
    // A read started after the deadline fails in the transport before anything is sent.
    return retryRead(retry, signal, (attemptSignal) => read({ ...options, signal: attemptSignal }));
  };
  const sources: Record<string, EntitySource<EntityKind>> = {};
  for (const [kind, source] of Object.entries(adapter.sources as Record<string, EntitySource<EntityKind> | undefined>)) {
    if (!source) continue;
    sources[kind] = {
      ...(source.list ? { list: (request: ListRequest<never>) => guarded(request, (options) => source.list!.call(source, { ...request, ...options })) } : {}),
      ...(source.batch ? { batch: guardBatch(source.batch, guarded) } : {}),
    } as EntitySource<EntityKind>;
  }
  // Writers, currency and anything else pass through unchanged: writes are never retried here.
  return { ...adapter, sources: sources as EntitySources };
}

function guardBatch<T>(batch: BatchLoad<T>, guarded: <R>(options: CallOptions | undefined, read: (options: CallOptions) => Promise<R>) => Promise<R>): BatchLoad<T> {
  switch (batch.strategy) {
    case 'byIds':
      return { strategy: 'byIds', maxBatchSize: batch.maxBatchSize, load: (ids, options) => guarded(options, (o) => batch.load(ids, o)) };
    case 'scan':
      return { strategy: 'scan', load: (options) => guarded(options, (o) => batch.load(o)) };
    case 'each':
      return { strategy: 'each', concurrency: batch.concurrency, load: (id, options) => guarded(options, (o) => batch.load(id, o)) };
  }
}
