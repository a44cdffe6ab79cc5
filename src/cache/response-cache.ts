/**
 * The response cache: a query's whole answer, kept per tenant (The Guild's
 * @graphql-yoga/plugin-response-cache), in memory or in Redis
 * (@envelop/response-cache-redis). Its TTL is the smallest of the types in the answer, the
 * same per-kind TTLs as the entity cache (Item 300 s, Sale 10 s, …). Answers with errors are
 * not kept (a failed vendor source adds an error, so a half answer is never replayed);
 * mutations and introspection never are.
 *
 * Cache-Control tells clients the same: `private, max-age=<that TTL>` (with `Age` when the
 * answer comes from the cache) for a cacheable query, `no-store` for everything else. It is
 * `private` because every answer is one tenant's data, scoped by its API key: a shared cache
 * (a CDN, a corporate proxy) must never hand it to anyone else.
 */
import { createInMemoryCache, hashSHA256, useResponseCache, type Cache } from '@graphql-yoga/plugin-response-cache';
import { createRedisCache } from '@envelop/response-cache-redis';
import { getOperationAST, type ExecutionResult } from 'graphql';
import type { Plugin } from 'graphql-yoga';
import type { Redis } from 'ioredis';
import type { GatewayContext } from '../context.ts';
import { ENTITY_KINDS, type EntityKind } from '../core/model.ts';
import { cacheLookups } from '../observability/metrics.ts';
import { PendingWrites } from './pending-writes.ts';

type CacheEntity = { typename: string; id?: string | number };

/** Every response-cache key in Redis starts with this (after the shared connection's `posgraph:`). */
const NAMESPACE = 'response-cache:';

/** The GraphQL types holding a kind's data: the node, and its list's connection and edge (an empty list has no node). */
export function typesOfKind(kind: EntityKind): string[] {
  const type = kind[0]!.toUpperCase() + kind.slice(1);
  return [type, `${type}Connection`, `${type}Edge`];
}

/**
 * TTL in milliseconds per schema coordinate, for the plugin. Live state (a connection's
 * circuit breaker) is never cached; introspection never is either.
 */
export function ttlPerCoordinate(ttlSeconds: Readonly<Record<EntityKind, number>>): Record<string, number> {
  const ttls: Record<string, number> = { 'Query.__schema': 0, 'Query.__type': 0, ConnectionHealth: 0 };
  for (const kind of ENTITY_KINDS) for (const type of typesOfKind(kind)) ttls[type] = Math.max(0, ttlSeconds[kind]) * 1000;
  return ttls;
}

/**
 * The cache the plugin writes to, wrapped: it stamps Cache-Control on what it keeps, turns
 * an unreachable Redis into a miss instead of a failed request, and keeps its keys in one
 * namespace.
 */
export class ResponseStore implements Cache {
  private readonly writes = new PendingWrites();

  constructor(
    private readonly inner: Cache,
    private readonly now: () => number = Date.now,
  ) {}

  static inMemory(maxEntries: number, now?: () => number): ResponseStore {
    return new ResponseStore(createInMemoryCache({ max: maxEntries }), now);
  }

  /** `maxTtlMs`: the longest TTL of any answer, which the index sets must outlive. */
  static inRedis(redis: Redis, maxTtlMs: number, now?: () => number): ResponseStore {
    const inner = createRedisCache({
      redis,
      buildRedisEntityId: (typename, id) => `${typename}:${id}`,
      buildRedisOperationResultCacheKey: (responseId) => `${responseId}:entities`,
    });
    return new ResponseStore(
      {
        get: (id) => inner.get(id),
        invalidate: (entities) => inner.invalidate(entities),
        async set(id, result, entities, ttl) {
          const indexed = [...entities];
          await inner.set(id, result, indexed, ttl);
          // The plugin's index sets (type → answers, answer → types) never expire by themselves.
          // Each write pushes theirs to the longest TTL from now, so they outlive every answer
          // they index and vanish once no answer refers to them.
          const keys = new Set([`${id}:entities`, ...indexed.flatMap(({ typename, id: entityId }) => (entityId === undefined ? [typename] : [typename, `${typename}:${entityId}`]))]);
          const pipeline = redis.pipeline();
          for (const key of keys) pipeline.pexpire(key, maxTtlMs);
          await pipeline.exec();
        },
      },
      now,
    );
  }

  set(id: string, result: ExecutionResult, entities: Iterable<CacheEntity>, ttl: number): void {
    // The answer going out now is this very object: the header reaches the client too.
    const headers = httpHeadersOf(result);
    headers['Cache-Control'] = `private, max-age=${Math.floor(ttl / 1000)}`;
    headers['X-Posgraph-Cached-At'] = String(this.now());
    void this.writes.track(new Promise<void>((resolve) => resolve(this.inner.set(id, result, [...entities].map(namespaced), ttl))));
  }

  async get(id: string): Promise<ExecutionResult | null> {
    let cached: ExecutionResult | null | undefined;
    try {
      cached = await this.inner.get(id);
    } catch {
      return null;
    }
    if (!cached) return null;
    // Served from the cache: the same max-age, and how long ago it was stored, as a shared HTTP cache says it.
    const { 'X-Posgraph-Cached-At': cachedAt, ...headers } = (cached.extensions?.http as { headers?: Record<string, string> } | undefined)?.headers ?? {};
    const age = Math.max(0, Math.floor((this.now() - Number(cachedAt)) / 1000));
    return {
      ...cached,
      extensions: { ...cached.extensions, http: { ...(cached.extensions?.http as object), headers: { ...headers, ...(Number.isFinite(age) ? { Age: String(age) } : {}) } } },
    };
  }

  async invalidate(entities: Iterable<CacheEntity>): Promise<void> {
    await this.writes.track(new Promise<void>((resolve) => resolve(this.inner.invalidate([...entities].map(namespaced)))));
  }

  /** Resolves once every write started so far is done. */
  async settled(): Promise<void> {
    await this.writes.settled();
  }
}

function namespaced(entity: CacheEntity): CacheEntity {
  return entity.id === undefined ? { typename: `${NAMESPACE}${entity.typename}` } : { typename: `${NAMESPACE}${entity.typename}`, id: entity.id };
}

/** JSON with object keys sorted, so `{a, b}` and `{b, a}` are one key. */
function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson((value as Record<string, unknown>)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function httpHeadersOf(result: ExecutionResult): Record<string, string> {
  const extensions = ((result as { extensions?: Record<string, unknown> }).extensions ??= {});
  const http = (extensions.http ??= {}) as { headers?: Record<string, string> };
  return (http.headers ??= {});
}

export interface ResponseCachingOptions {
  readonly store: ResponseStore;
  readonly ttlSeconds: Readonly<Record<EntityKind, number>>;
  /** The caller's tenant id, which scopes each answer; null when the request has none (nothing is cached then). */
  readonly tenantOf: (request: Request) => string | null;
  readonly graphqlEndpoint?: string;
}

const SERVED_FROM_CACHE = Symbol.for('servedFromResponseCache');

/** The response cache, then Cache-Control, metrics, and fresh reads for mutations. */
export function useResponseCaching(options: ResponseCachingOptions): Array<Plugin | Plugin<GatewayContext>> {
  const { store, tenantOf, graphqlEndpoint = '/graphql' } = options;
  const ttls = ttlPerCoordinate(options.ttlSeconds);
  const positive = Object.values(ttls).filter((ttl) => ttl > 0);
  // An answer with no typed data at all (`{ connections { name } }`) lives as briefly as the briefest kind.
  const fallbackTtl = positive.length > 0 ? Math.min(...positive) : 0;
  const operationsPerRequest = new WeakMap<Request, number>();

  const caching = useResponseCache({
    cache: store,
    session: (request) => tenantOf(request),
    // Never a cache shared between tenants: without a tenant, nothing is cached.
    enabled: (request) => fallbackTtl > 0 && tenantOf(request) !== null,
    ttl: fallbackTtl,
    ttlPerSchemaCoordinate: ttls,
    // Our own writes also invalidate explicitly (GatewayCache.afterWrite), whatever the mutation
    // selected. This must stay on: switched off, the plugin would cache mutations like queries.
    invalidateViaMutation: true,
    includeExtensionMetadata: false,
    // The plugin's own key (document, operation, variables, session), in our namespace.
    buildResponseCacheKey: async ({ documentString, operationName, variableValues, sessionId }) =>
      `${NAMESPACE}${await hashSHA256([documentString, operationName ?? '', stableJson(variableValues ?? {}), sessionId ?? ''].join('|'))}`,
  });

  const signals: Plugin<GatewayContext> = {
    onParams({ request }) {
      operationsPerRequest.set(request, (operationsPerRequest.get(request) ?? 0) + 1);
    },
    onExecute({ args }) {
      const operation = getOperationAST(args.document, args.operationName)?.operation;
      // A write is checked against what the vendor has now (prices, stock), never a cached copy.
      if (operation === 'mutation') args.contextValue.loaders.bypassSharedReads();
      else if (operation === 'query') cacheLookups.inc({ cache: 'response', kind: 'query', result: 'miss' });
    },
    onExecutionResult({ result }) {
      for (const one of Array.isArray(result) ? result : [result]) {
        if ((one as Record<symbol, unknown>)[SERVED_FROM_CACHE]) cacheLookups.inc({ cache: 'response', kind: 'query', result: 'hit' });
      }
    },
    onResponse({ request, response }) {
      // GraphQL answers on any path Yoga serves them (`/graphql/` too: onParams ran), and refusals at the endpoint.
      if (response.status === 304 || (!operationsPerRequest.has(request) && new URL(request.url).pathname !== graphqlEndpoint)) return;
      if (response.headers.get('content-type')?.includes('text/html')) return;
      // Only an answer the cache kept carries Cache-Control; a batch mixes answers, so it is never stored by a client.
      if (!response.headers.has('cache-control') || (operationsPerRequest.get(request) ?? 0) > 1) {
        response.headers.set('cache-control', 'no-store');
        response.headers.delete('age');
      }
      response.headers.delete('x-posgraph-cached-at');
    },
  };
  return [caching as Plugin, signals];
}
