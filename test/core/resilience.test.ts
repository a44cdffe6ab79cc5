import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { SaleWriter, VendorAdapter } from '../../src/core/adapter.ts';
import { createContext, type GatewayServices } from '../../src/context.ts';
import { ConnectionBreaker } from '../../src/core/breaker.ts';
import { InMemoryIdempotencyStore } from '../../src/core/idempotency.ts';
import type { WriteOutcome } from '../../src/core/write-once.ts';
import { deadlineOf, withDeadline } from '../../src/core/deadline.ts';
import {
  VendorCircuitOpenError,
  VendorConnectionError,
  VendorRateLimitedError,
  VendorRejectedError,
  VendorTimeoutError,
  VendorUnavailableError,
} from '../../src/core/errors.ts';
import { HttpTransport } from '../../src/core/http.ts';
import { CallLimiter } from '../../src/core/limiter.ts';
import type { ItemRecord } from '../../src/core/model.ts';
import {
  DEFAULT_RESILIENCE,
  RetryBudget,
  createConnectionResilience,
  resolveResilience,
  retryDelay,
  retryRead,
  type RetrySettings,
} from '../../src/core/resilience.ts';

const site = { vendor: 'tactill', connection: 'c1' };
const unavailable = () => new VendorUnavailableError({ ...site, status: 503 });
const RETRY: RetrySettings = { maxAttempts: 3, budgetPercent: 20, budgetFloor: 5, budgetWindowMs: 10_000, baseDelayMs: 0, maxDelayMs: 0 };

afterEach(() => {
  vi.useRealTimers();
});

describe('the call limiter', () => {
  it('never lets more than maxConcurrency requests run at once', async () => {
    const limiter = new CallLimiter({ maxConcurrency: 2, ratePerSecond: Number.POSITIVE_INFINITY });
    const granted: number[] = [];
    const releases = await Promise.all([0, 1].map(async (n) => {
      const release = await limiter.acquire();
      granted.push(n);
      return release;
    }));
    const third = limiter.acquire().then((release) => {
      granted.push(2);
      return release;
    });
    await Promise.resolve();
    expect(granted).toEqual([0, 1]);
    expect(limiter.inFlight).toBe(2);
    expect(limiter.waiting).toBe(1);
    releases[0]!();
    releases[0]!(); // releasing twice frees one slot only
    (await third)();
    expect(granted).toEqual([0, 1, 2]);
    expect(limiter.inFlight).toBe(1);
  });

  it('starts a burst at once, then requests at ratePerSecond', async () => {
    vi.useFakeTimers();
    const limiter = new CallLimiter({ maxConcurrency: 100, ratePerSecond: 10, burst: 3 });
    const started: number[] = [];
    for (let n = 0; n < 6; n += 1) void limiter.acquire().then(() => started.push(n));
    await vi.advanceTimersByTimeAsync(0);
    expect(started).toEqual([0, 1, 2]);
    await vi.advanceTimersByTimeAsync(100);
    expect(started).toEqual([0, 1, 2, 3]);
    await vi.advanceTimersByTimeAsync(200);
    expect(started).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('lets a waiter whose signal fires leave the queue, sending nothing, and serves the next', async () => {
    const limiter = new CallLimiter({ maxConcurrency: 1, ratePerSecond: Number.POSITIVE_INFINITY });
    const release = await limiter.acquire();
    const controller = new AbortController();
    const abandoned = limiter.acquire(controller.signal);
    const next = limiter.acquire();
    controller.abort(new Error('deadline'));
    await expect(abandoned).rejects.toThrow('deadline');
    expect(limiter.waiting).toBe(1);
    release();
    (await next)();
    expect(limiter.inFlight).toBe(0);
    await expect(limiter.acquire(controller.signal)).rejects.toThrow('deadline');
  });

  it('refuses options that cannot work, naming the bad value', () => {
    expect(() => new CallLimiter({ maxConcurrency: 0, ratePerSecond: 1 })).toThrow('maxConcurrency must be an integer ≥ 1, got 0');
    expect(() => new CallLimiter({ maxConcurrency: 1, ratePerSecond: 0 })).toThrow('ratePerSecond must be > 0, got 0');
  });
});

describe('the retry budget', () => {
  it('allows the floor of retries even before any call', () => {
    const budget = new RetryBudget(20, 2, 10_000);
    expect([budget.tryRetry(), budget.tryRetry(), budget.tryRetry()]).toEqual([true, true, false]);
  });

  it('allows retries up to the floor plus a share of the calls in the window', () => {
    const budget = new RetryBudget(20, 1, 10_000);
    for (let n = 0; n < 10; n += 1) budget.recordCall();
    // 1 + 20 % × 10 = 3 retries.
    expect(Array.from({ length: 5 }, () => budget.tryRetry())).toEqual([true, true, true, false, false]);
    expect(budget.usage).toEqual({ calls: 10, retries: 3 });
  });

  it('forgets calls and retries older than the window', () => {
    let now = 0;
    const budget = new RetryBudget(20, 0, 1_000, () => now);
    for (let n = 0; n < 5; n += 1) budget.recordCall();
    expect([budget.tryRetry(), budget.tryRetry()]).toEqual([true, false]);
    now = 1_500;
    expect(budget.usage).toEqual({ calls: 0, retries: 0 });
    expect(budget.tryRetry()).toBe(false);
    for (let n = 0; n < 5; n += 1) budget.recordCall();
    expect(budget.tryRetry()).toBe(true);
  });
});

describe('the retry policy', () => {
  const settings: RetrySettings = { ...RETRY, baseDelayMs: 100, maxDelayMs: 1_000 };

  it('retries only retryable vendor failures, and not into an open circuit', () => {
    expect(retryDelay(unavailable(), 1, settings)).toBeTypeOf('number');
    expect(retryDelay(new VendorConnectionError(site), 1, settings)).toBeTypeOf('number');
    expect(retryDelay(new VendorRejectedError(site), 1, settings)).toBeUndefined();
    expect(retryDelay(new VendorCircuitOpenError(site), 1, settings)).toBeUndefined();
    expect(retryDelay(new TypeError('bug'), 1, settings)).toBeUndefined();
  });

  it('backs off exponentially with full jitter, up to maxDelayMs', () => {
    expect([1, 2, 3, 4, 5].map((retry) => retryDelay(unavailable(), retry, settings, () => 0.999))).toEqual([99, 199, 399, 799, 999]);
    expect(retryDelay(unavailable(), 3, settings, () => 0)).toBe(0);
  });

  it("waits at least the vendor's retry hint", () => {
    const limited = new VendorRateLimitedError({ ...site, retryAfterMs: 1_500 });
    expect(retryDelay(limited, 1, settings, () => 0.5)).toBe(1_500);
    expect(retryDelay(new VendorRateLimitedError(site), 1, settings, () => 0.5)).toBe(50);
  });

  it('tries at most maxAttempts times, then throws the last failure', async () => {
    let attempts = 0;
    const failing = retryRead({ settings: RETRY, budget: new RetryBudget(20, 5, 10_000) }, undefined, async () => {
      attempts += 1;
      throw unavailable();
    });
    await expect(failing).rejects.toBeInstanceOf(VendorUnavailableError);
    expect(attempts).toBe(3);
  });

  it('answers as soon as an attempt succeeds', async () => {
    let attempts = 0;
    const value = await retryRead({ settings: RETRY, budget: new RetryBudget(20, 5, 10_000) }, undefined, async () => {
      attempts += 1;
      if (attempts < 2) throw new VendorConnectionError(site);
      return 'ok';
    });
    expect([value, attempts]).toEqual(['ok', 2]);
  });

  it('does not retry a failure that will fail again', async () => {
    let attempts = 0;
    await expect(
      retryRead({ settings: RETRY, budget: new RetryBudget(20, 5, 10_000) }, undefined, async () => {
        attempts += 1;
        throw new VendorRejectedError(site);
      }),
    ).rejects.toBeInstanceOf(VendorRejectedError);
    expect(attempts).toBe(1);
  });

  it('stops retrying when the budget is spent', async () => {
    const budget = new RetryBudget(20, 1, 10_000);
    let attempts = 0;
    const read = () =>
      retryRead({ settings: RETRY, budget }, undefined, async () => {
        attempts += 1;
        throw unavailable();
      }).catch(() => undefined);
    for (let n = 0; n < 5; n += 1) await read();
    // 5 calls; retries allowed while fewer than 1 + 20 % × calls: 2 in all.
    expect(attempts).toBe(5 + 2);
    expect(budget.usage).toEqual({ calls: 5, retries: 2 });
  });

  it('does not retry when the wait would end past the deadline', async () => {
    let attempts = 0;
    const signal = withDeadline(undefined, 1_000);
    await expect(
      retryRead({ settings: RETRY, budget: new RetryBudget(20, 5, 10_000) }, signal, async () => {
        attempts += 1;
        throw new VendorRateLimitedError({ ...site, retryAfterMs: 60_000 });
      }),
    ).rejects.toBeInstanceOf(VendorRateLimitedError);
    expect(attempts).toBe(1);
  });

  it('does not retry while the circuit is open', async () => {
    const breaker = new ConnectionBreaker({ failureThreshold: 1, halfOpenAfterMs: 60_000 });
    await breaker.run(async () => ({ value: null, failure: { code: 'VENDOR_UNAVAILABLE', message: 'down' } }));
    let attempts = 0;
    await expect(
      retryRead({ settings: RETRY, budget: new RetryBudget(20, 5, 10_000), breaker }, undefined, async () => {
        attempts += 1;
        throw unavailable();
      }),
    ).rejects.toBeInstanceOf(VendorUnavailableError);
    expect(attempts).toBe(1);
  });
});

describe('deadlines', () => {
  it('remember when they fire, the earlier of their own and their parent’s', () => {
    const request = withDeadline(undefined, 10_000, () => 0);
    expect(deadlineOf(request)).toBe(10_000);
    expect(deadlineOf(withDeadline(request, 8_000, () => 0))).toBe(8_000);
    expect(deadlineOf(withDeadline(request, 8_000, () => 5_000))).toBe(10_000);
    expect(deadlineOf(new AbortController().signal)).toBeUndefined();
  });

  it('fire when the parent does', () => {
    const parent = new AbortController();
    const child = withDeadline(parent.signal, 60_000);
    parent.abort(new Error('client left'));
    expect(child.aborted).toBe(true);
  });

  it("bound every GraphQL request: the context's signal fires at the deadline or when the client leaves", async () => {
    const services: GatewayServices = { connections: new Map(), idempotency: new InMemoryIdempotencyStore<WriteOutcome<unknown>>() };
    const before = Date.now();
    const byDefault = createContext(services);
    expect(deadlineOf(byDefault.signal)! - before).toBeGreaterThanOrEqual(10_000);
    expect(deadlineOf(byDefault.signal)! - Date.now()).toBeLessThanOrEqual(10_000);
    const client = new AbortController();
    const context = createContext({ ...services, requestDeadlineMs: 20 }, client.signal);
    expect(context.signal.aborted).toBe(false);
    await vi.waitFor(() => expect(context.signal.aborted).toBe(true));
    const left = createContext(services, client.signal);
    client.abort();
    expect(left.signal.aborted).toBe(true);
  });

  it('refuse a deadline that is not a positive duration', () => {
    expect(() => withDeadline(undefined, 0)).toThrow('A deadline is a positive number of milliseconds, got 0');
  });
});

describe('settings', () => {
  it('fill what a connection leaves out with the defaults', () => {
    const settings = resolveResilience({ timeouts: { headersMs: 1_000 }, retry: { maxAttempts: 2 } });
    expect(settings.timeouts).toEqual({ ...DEFAULT_RESILIENCE.timeouts, headersMs: 1_000 });
    expect(settings.retry).toEqual({ ...DEFAULT_RESILIENCE.retry, maxAttempts: 2 });
    expect(settings.breaker).toEqual(DEFAULT_RESILIENCE.breaker);
  });

  it('keep every timeout and the read deadline below the request deadline', () => {
    const { timeouts, requestDeadlineMs } = DEFAULT_RESILIENCE;
    expect(Math.max(timeouts.connectMs, timeouts.headersMs, timeouts.bodyMs)).toBeLessThan(requestDeadlineMs);
    expect(requestDeadlineMs).toBeLessThan(10_000);
  });
});

describe('the guarded transport against a real server', () => {
  let server: Server;
  let url: URL;
  let received = 0;
  let status = 500;
  beforeAll(async () => {
    server = createServer((_, response) => {
      received += 1;
      response.writeHead(status, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = new URL(`http://127.0.0.1:${(server.address() as AddressInfo).port}/things`);
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('sends nothing once the deadline has passed', async () => {
    received = 0;
    const transport = new HttpTransport();
    const controller = new AbortController();
    controller.abort(new DOMException('deadline', 'TimeoutError'));
    await expect(transport.send(site, { method: 'GET', url, signal: controller.signal })).rejects.toBeInstanceOf(VendorTimeoutError);
    expect(received).toBe(0);
  });

  it('opens after consecutive failures and then fails fast without calling the vendor', async () => {
    received = 0;
    status = 503;
    const breaker = new ConnectionBreaker({ failureThreshold: 2, halfOpenAfterMs: 60_000 });
    const transport = new HttpTransport({ breaker });
    expect((await transport.send(site, { method: 'GET', url })).status).toBe(503);
    expect(breaker.state).toBe('CLOSED');
    expect((await transport.send(site, { method: 'GET', url })).status).toBe(503);
    expect(breaker.state).toBe('OPEN');
    const refused = await transport.send(site, { method: 'GET', url }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(VendorCircuitOpenError);
    expect((refused as VendorCircuitOpenError).extensions).toMatchInlineSnapshot(`
      {
        "code": "VENDOR_CIRCUIT_OPEN",
        "connection": "c1",
        "retryable": true,
        "vendor": "tactill",
      }
    `);
    expect(received).toBe(2);
    expect(breaker.health()).toEqual({ state: 'OPEN', recentFailures: 2, lastError: { code: 'VENDOR_UNAVAILABLE', message: 'tactill: HTTP 503 on GET /things' } });
  });

  it('lets one probe through after the open period and closes when it succeeds', async () => {
    received = 0;
    status = 503;
    const breaker = new ConnectionBreaker({ failureThreshold: 1, halfOpenAfterMs: 30 });
    const transport = new HttpTransport({ breaker });
    await transport.send(site, { method: 'GET', url });
    expect(breaker.state).toBe('OPEN');
    await vi.waitFor(() => expect(breaker.state).toBe('HALF_OPEN'));
    status = 200;
    expect((await transport.send(site, { method: 'GET', url })).status).toBe(200);
    expect(breaker.state).toBe('CLOSED');
    expect(received).toBe(2);
  });

  it('does not count refusals and rate limits as the vendor failing', async () => {
    const breaker = new ConnectionBreaker({ failureThreshold: 1, halfOpenAfterMs: 60_000 });
    const transport = new HttpTransport({ breaker });
    for (const answer of [404, 429, 400]) {
      status = answer;
      await transport.send(site, { method: 'GET', url });
    }
    expect(breaker.health()).toEqual({ state: 'CLOSED', recentFailures: 0, lastError: null });
  });
});

describe('guarded reads of an adapter', () => {
  const item = { kind: 'item', id: '1' } as unknown as ItemRecord;

  function adapterFailing(times: number) {
    const seen: { listSignals: Array<AbortSignal | undefined>; listCalls: number; writes: number } = { listSignals: [], listCalls: 0, writes: 0 };
    const writer = {
      unitPricePlaces: 2,
      quantityPlaces: 3,
      create: async () => {
        seen.writes += 1;
        throw unavailable();
      },
      findByReference: async () => null,
    } as unknown as SaleWriter;
    const adapter: VendorAdapter = {
      vendor: 'tactill',
      currency: 'EUR',
      sources: {
        item: {
          list: async (request) => {
            seen.listCalls += 1;
            seen.listSignals.push(request.signal);
            if (seen.listCalls <= times) throw unavailable();
            return { records: [item], nextCursor: null, totalCount: 1 };
          },
        },
      },
      writers: { sale: writer },
    };
    return { adapter, seen };
  }

  const fast = { retry: { baseDelayMs: 0, maxDelayMs: 0 } };

  it('retries a failing read and answers its data', async () => {
    const { adapter, seen } = adapterFailing(2);
    const guarded = createConnectionResilience(fast).guardReads(adapter);
    const page = await guarded.sources.item!.list!({ filter: {}, cursor: null, limit: 10 });
    expect(page.records).toEqual([item]);
    expect(seen.listCalls).toBe(3);
  });

  it('never retries a write', async () => {
    const { adapter, seen } = adapterFailing(0);
    const guarded = createConnectionResilience(fast).guardReads(adapter);
    await expect(guarded.writers!.sale!.create({} as never, {})).rejects.toBeInstanceOf(VendorUnavailableError);
    expect(seen.writes).toBe(1);
  });

  it("gives the connection's reads of one request one shared deadline, shorter than the request's", async () => {
    const { adapter, seen } = adapterFailing(0);
    const guarded = createConnectionResilience({ requestDeadlineMs: 500 }).guardReads(adapter);
    const request = withDeadline(undefined, 10_000);
    await guarded.sources.item!.list!({ filter: {}, cursor: null, limit: 10, signal: request });
    await guarded.sources.item!.list!({ filter: {}, cursor: null, limit: 10, signal: request });
    const [first, second] = seen.listSignals;
    expect(first).toBe(second);
    expect(first).not.toBe(request);
    expect(deadlineOf(first)! - Date.now()).toBeLessThanOrEqual(500);
  });
});
