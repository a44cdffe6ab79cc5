/**
 * One ordered stream over many connections. Each connection pages in the canonical order
 * (core/ordering.ts); a page of the merged list takes the next `first` records of the k-way
 * merge. The opaque cursor holds, per connection, where its own stream stands — the vendor
 * cursor of a page and how many of that page's records were already served — so walking
 * every page returns every record exactly once, whatever the vendors' page sizes.
 *
 * Every edge carries its own cursor, and every cursor is bound to its query (kind, filters,
 * connections): one from another query is refused instead of silently skipping records.
 */
import { createHash } from 'node:crypto';
import type { ListPage, RecordRejection } from './adapter.ts';
import type { Connection } from './connection.ts';
import { BadUserInputError, GatewayError } from './errors.ts';
import { InvalidCursorError } from './local-paging.ts';
import type { EntityFilters, EntityKind, EntityRecords } from './model.ts';
import { comparatorFor } from './ordering.ts';

export type SourceStatus = 'OK' | 'FAILED' | 'UNSUPPORTED' | 'PARTIAL';

export interface SourceResult {
  readonly kind: EntityKind;
  readonly connection: Connection;
  readonly status: SourceStatus;
  readonly error: GatewayError | null;
}

export interface MergedEdge<K extends EntityKind> {
  readonly cursor: string;
  readonly connectionId: string;
  readonly record: EntityRecords[K];
}

export interface MergedPage<K extends EntityKind> {
  readonly edges: readonly MergedEdge<K>[];
  readonly pageInfo: { hasNextPage: boolean; hasPreviousPage: boolean; startCursor: string | null; endCursor: string | null };
  readonly totalCount: number | null;
  readonly sources: readonly SourceResult[];
}

export interface MergedListOptions<K extends EntityKind> {
  readonly kind: K;
  /** The connections to list, each with its filter in that vendor's ids. */
  readonly sources: ReadonlyArray<{ readonly connection: Connection; readonly filter: EntityFilters[K] }>;
  readonly first: number;
  readonly after: string | null;
  readonly signal?: AbortSignal;
}

/** Where one connection's stream stands: exhausted, or a page cursor and records served of it. */
type Position = { readonly done: true; readonly total: number | null } | { readonly done?: false; readonly cursor: string | null; readonly skip: number };

interface CursorState {
  readonly hash: string;
  readonly positions: Record<string, Position>;
}

/** Guards against adapters that keep answering empty pages with a next cursor. */
const MAX_PAGES_PER_SOURCE = 100;

export async function listMerged<K extends EntityKind>(options: MergedListOptions<K>): Promise<MergedPage<K>> {
  const { kind, sources, first, signal } = options;
  const hash = queryHash(kind, sources);
  const start = options.after === null ? undefined : decodeCursor(options.after, hash);
  const startPosition = (connectionId: string): Position => start?.positions[connectionId] ?? { cursor: null, skip: 0 };

  const fetched = await Promise.all(
    sources.map(async ({ connection, filter }) => {
      const list = connection.adapter.sources[kind]?.list;
      if (!list) return { connection, status: 'UNSUPPORTED' as const, error: null, stream: undefined };
      const position = startPosition(connection.id);
      if (position.done) return { connection, status: 'OK' as const, error: null, stream: { pages: [], skip: 0, total: position.total, records: [], rejected: [] } };
      try {
        const stream = await readAhead(list.bind(connection.adapter.sources[kind]), filter, position, first + 1, signal);
        // Malformed records are left out and reported; the rest of the source is served.
        if (stream.rejected.length > 0) return { connection, status: 'PARTIAL' as const, error: rejectionError(stream.rejected, connection), stream };
        return { connection, status: 'OK' as const, error: null, stream };
      } catch (error) {
        if (error instanceof InvalidCursorError) throw new BadUserInputError('The cursor does not belong to this list');
        return { connection, status: 'FAILED' as const, error: asGatewayError(error, connection), stream: undefined };
      }
    }),
  );

  // k-way merge of the streams that answered, taking `first` records.
  const compare = comparatorFor(kind);
  const readable = fetched.filter((source) => source.stream !== undefined);
  const consumed = new Map<string, number>(readable.map((source) => [source.connection.id, 0]));
  const edges: MergedEdge<K>[] = [];
  while (edges.length < first) {
    let best: (typeof readable)[number] | undefined;
    for (const source of readable) {
      const candidate = source.stream!.records[consumed.get(source.connection.id)!];
      if (candidate === undefined) continue;
      if (!best || compare(candidate, best.stream!.records[consumed.get(best.connection.id)!]!) < 0) best = source;
    }
    if (!best) break;
    const index = consumed.get(best.connection.id)!;
    consumed.set(best.connection.id, index + 1);
    const positions: Record<string, Position> = {};
    for (const { connection } of sources) positions[connection.id] = startPosition(connection.id);
    for (const source of readable) positions[source.connection.id] = advance(source.stream!, consumed.get(source.connection.id)!);
    edges.push({ cursor: encodeCursor({ hash, positions }), connectionId: best.connection.id, record: best.stream!.records[index]! });
  }

  const hasNextPage = readable.some((source) => consumed.get(source.connection.id)! < source.stream!.records.length);
  const totals = readable.map((source) => source.stream!.total);
  return {
    edges,
    pageInfo: {
      hasNextPage,
      hasPreviousPage: options.after !== null,
      startCursor: edges[0]?.cursor ?? null,
      endCursor: edges.at(-1)?.cursor ?? options.after,
    },
    totalCount: totals.some((total) => total === null) ? null : totals.reduce<number>((sum, total) => sum + total!, 0),
    sources: fetched.map(({ connection, status, error }) => ({ kind, connection, status, error })),
  };
}

interface Stream<T> {
  /** Pages as fetched: the cursor each was fetched with, its records, and the next cursor. */
  readonly pages: ReadonlyArray<{ cursor: string | null; records: readonly T[]; next: string | null }>;
  /** Records of the first page already served before this request. */
  readonly skip: number;
  readonly total: number | null;
  /** The records not yet served, in order. */
  readonly records: readonly T[];
  /** Malformed records met on the pages read, left out. */
  readonly rejected: readonly RecordRejection[];
}

async function readAhead<T, F>(
  list: (request: { filter: F; cursor: string | null; limit: number; signal?: AbortSignal }) => Promise<ListPage<T>>,
  filter: F,
  position: { cursor: string | null; skip: number },
  wanted: number,
  signal?: AbortSignal,
): Promise<Stream<T>> {
  const pages: Array<{ cursor: string | null; records: readonly T[]; next: string | null }> = [];
  const records: T[] = [];
  const rejected: RecordRejection[] = [];
  let cursor = position.cursor;
  let total: number | null = null;
  for (let count = 0; count < MAX_PAGES_PER_SOURCE; count += 1) {
    const skip = count === 0 ? position.skip : 0;
    const page = await list({ filter, cursor, limit: wanted - records.length + skip, signal });
    pages.push({ cursor, records: page.records, next: page.nextCursor });
    records.push(...page.records.slice(skip));
    rejected.push(...(page.rejected ?? []));
    total = page.totalCount;
    if (page.nextCursor === null || records.length >= wanted) break;
    cursor = page.nextCursor;
  }
  return { pages, skip: position.skip, total, records, rejected };
}

/** The position after serving `served` records of this request's part of the stream. */
function advance<T>(stream: Stream<T>, served: number): Position {
  // A stream exhausted on an earlier page stays exhausted.
  if (stream.pages.length === 0) return { done: true, total: stream.total };
  let remaining = served + stream.skip;
  for (const page of stream.pages) {
    if (remaining < page.records.length) return { cursor: page.cursor, skip: remaining };
    remaining -= page.records.length;
    if (page.next === null) return { done: true, total: stream.total };
    if (page === stream.pages.at(-1)) return { cursor: page.next, skip: 0 };
  }
  return { cursor: null, skip: 0 };
}

function queryHash(kind: EntityKind, sources: MergedListOptions<EntityKind>['sources']): string {
  const shape = sources.map(({ connection, filter }) => [connection.id, filter]).sort(([a], [b]) => (String(a) < String(b) ? -1 : 1));
  return createHash('sha256').update(JSON.stringify([kind, shape])).digest('base64url').slice(0, 16);
}

function encodeCursor(state: CursorState): string {
  const positions = Object.fromEntries(
    Object.entries(state.positions).map(([id, position]) => [id, position.done ? { d: 1, t: position.total } : { c: position.cursor, s: position.skip }]),
  );
  return Buffer.from(JSON.stringify({ v: 1, h: state.hash, p: positions }), 'utf8').toString('base64url');
}

function decodeCursor(cursor: string, hash: string): CursorState {
  let parsed: { v?: unknown; h?: unknown; p?: Record<string, { d?: unknown; t?: unknown; c?: unknown; s?: unknown }> };
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new BadUserInputError('`after` is not a cursor this API issued', { argumentName: 'after' });
  }
  if (parsed?.v !== 1 || typeof parsed.h !== 'string' || typeof parsed.p !== 'object' || parsed.p === null) {
    throw new BadUserInputError('`after` is not a cursor this API issued', { argumentName: 'after' });
  }
  if (parsed.h !== hash) {
    throw new BadUserInputError('`after` belongs to another query (other list, filter or connections)', { argumentName: 'after' });
  }
  const positions: Record<string, Position> = {};
  for (const [id, raw] of Object.entries(parsed.p)) {
    if (raw.d === 1) positions[id] = { done: true, total: typeof raw.t === 'number' ? raw.t : null };
    else if ((raw.c === null || typeof raw.c === 'string') && Number.isSafeInteger(raw.s) && (raw.s as number) >= 0) {
      positions[id] = { cursor: raw.c as string | null, skip: raw.s as number };
    } else throw new BadUserInputError('`after` is not a cursor this API issued', { argumentName: 'after' });
  }
  return { hash, positions };
}

function rejectionError(rejected: readonly RecordRejection[], connection: Connection): GatewayError {
  const ids = rejected.map((rejection) => rejection.id ?? '?').slice(0, 10).join(', ');
  return new GatewayError('VENDOR_MALFORMED_RECORD', `${connection.vendor}: ${rejected.length} record(s) could not be read and were left out (${ids}): ${rejected[0]!.reason}`, {
    extensions: { vendor: connection.vendor, connection: connection.id, retryable: false },
  });
}

function asGatewayError(error: unknown, connection: Connection): GatewayError {
  if (error instanceof GatewayError) return error;
  return new GatewayError('INTERNAL_SERVER_ERROR', `${connection.vendor}: unexpected failure`, {
    cause: error,
    extensions: { vendor: connection.vendor, connection: connection.id, retryable: false },
  });
}
