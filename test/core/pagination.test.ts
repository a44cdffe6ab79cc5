import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ListRequest, VendorAdapter } from '../../src/core/adapter.ts';
import type { Connection } from '../../src/core/connection.ts';
import { VendorUnavailableError } from '../../src/core/errors.ts';
import { pageByOffset } from '../../src/core/local-paging.ts';
import type { SaleFilter, SaleRecord } from '../../src/core/model.ts';
import { comparatorFor } from '../../src/core/ordering.ts';
import { listMerged, type MergedPage } from '../../src/core/pagination.ts';

function sale(id: string, createdAt: string): SaleRecord {
  return { kind: 'sale', id, number: id, createdAt, total: { amount: '1.00', currency: 'EUR' }, locationId: null, customerId: null, cashbookId: null, note: null, raw: {} };
}

/** A connection whose vendor serves `records` in pages of at most `pageSize`. */
function fakeConnection(id: string, records: SaleRecord[], pageSize: number, calls: { count: number } = { count: 0 }): Connection {
  const sorted = [...records].sort(comparatorFor('sale'));
  const adapter: VendorAdapter = {
    vendor: 'tactill',
    currency: 'EUR',
    sources: {
      sale: {
        list: async (request: ListRequest<SaleFilter>) => {
          calls.count += 1;
          return pageByOffset(sorted, request.cursor, Math.min(pageSize, request.limit));
        },
      },
    },
  };
  return { id, name: id, vendor: 'tactill', adapter };
}

const day = Date.UTC(2026, 10, 1);
const salesArbitrary = fc.array(fc.integer({ min: 0, max: 50 }), { maxLength: 40 }).map((minutes) =>
  minutes.map((minute, index) => sale(String(index + 1), new Date(day + minute * 60_000).toISOString())),
);

async function walk(connections: Connection[], first: number) {
  const seen: Array<{ connectionId: string; record: SaleRecord }> = [];
  let after: string | null = null;
  for (let guard = 0; guard < 1000; guard += 1) {
    const page: MergedPage<'sale'> = await listMerged({ kind: 'sale', sources: connections.map((connection) => ({ connection, filter: {} })), first, after });
    seen.push(...page.edges);
    if (!page.pageInfo.hasNextPage) return { seen, totalCount: page.totalCount };
    after = page.pageInfo.endCursor;
  }
  throw new Error('pagination did not end');
}

describe('merged pagination', () => {
  it('returns every record of every connection exactly once, in order, for any page sizes', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(salesArbitrary, fc.integer({ min: 1, max: 7 })), { minLength: 1, maxLength: 4 }),
        fc.integer({ min: 1, max: 10 }),
        async (shape, first) => {
          const connections = shape.map(([records, pageSize], index) => fakeConnection(`c${index}`, records, pageSize));
          const { seen, totalCount } = await walk(connections, first);
          const expected = shape.reduce((sum, [records]) => sum + records.length, 0);
          expect(seen).toHaveLength(expected);
          expect(totalCount).toBe(expected);
          expect(new Set(seen.map((edge) => `${edge.connectionId}/${edge.record.id}`)).size).toBe(expected);
          const compare = comparatorFor('sale');
          for (let i = 1; i < seen.length; i += 1) {
            expect(Date.parse(seen[i - 1]!.record.createdAt)).toBeGreaterThanOrEqual(Date.parse(seen[i]!.record.createdAt));
            if (seen[i - 1]!.connectionId === seen[i]!.connectionId) expect(compare(seen[i - 1]!.record, seen[i]!.record)).toBeLessThan(0);
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it('resumes from any edge cursor, not only the last', async () => {
    const records = Array.from({ length: 9 }, (_, i) => sale(String(i + 1), new Date(day + i * 60_000).toISOString()));
    const connection = fakeConnection('a', records, 4);
    const page = await listMerged({ kind: 'sale', sources: [{ connection, filter: {} }], first: 5, after: null });
    const resumed = await listMerged({ kind: 'sale', sources: [{ connection, filter: {} }], first: 3, after: page.edges[1]!.cursor });
    expect(resumed.edges.map((edge) => edge.record.id)).toEqual(page.edges.slice(2).map((edge) => edge.record.id));
  });

  it('asks each vendor for no more pages than the page needs', async () => {
    const calls = { count: 0 };
    const records = Array.from({ length: 500 }, (_, i) => sale(String(i + 1), new Date(day + i * 60_000).toISOString()));
    await listMerged({ kind: 'sale', sources: [{ connection: fakeConnection('a', records, 100, calls), filter: {} }], first: 20, after: null });
    expect(calls.count).toBe(1);
  });

  it('refuses a cursor from another query or one it did not issue', async () => {
    const connection = fakeConnection('a', [sale('1', new Date(day).toISOString()), sale('2', new Date(day).toISOString())], 1);
    const page = await listMerged({ kind: 'sale', sources: [{ connection, filter: {} }], first: 1, after: null });
    const cursor = page.pageInfo.endCursor!;
    await expect(listMerged({ kind: 'sale', sources: [{ connection, filter: { customerId: '9' } }], first: 1, after: cursor })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
      message: expect.stringContaining('another query'),
    });
    await expect(listMerged({ kind: 'sale', sources: [{ connection, filter: {} }], first: 1, after: 'bm90LWEtY3Vyc29y' })).rejects.toMatchObject({
      extensions: { code: 'BAD_USER_INPUT' },
    });
  });

  it('reports a failing connection and still serves the others', async () => {
    const healthy = fakeConnection('ok', [sale('1', new Date(day).toISOString())], 5);
    const broken: Connection = {
      id: 'down',
      name: 'down',
      vendor: 'kash',
      adapter: {
        vendor: 'kash',
        currency: 'EUR',
        sources: { sale: { list: async () => { throw new VendorUnavailableError({ vendor: 'kash', connection: 'down', status: 503, vendorMessage: 'maintenance' }); } } },
      },
    };
    const unsupported: Connection = { id: 'none', name: 'none', vendor: 'icash', adapter: { vendor: 'icash', currency: 'EUR', sources: {} } };
    const page = await listMerged({
      kind: 'sale',
      sources: [healthy, broken, unsupported].map((connection) => ({ connection, filter: {} })),
      first: 10,
      after: null,
    });
    expect(page.edges.map((edge) => edge.record.id)).toEqual(['1']);
    expect(page.sources.map((source) => [source.connection.id, source.status, source.error?.extensions.code ?? null])).toEqual([
      ['ok', 'OK', null],
      ['down', 'FAILED', 'VENDOR_UNAVAILABLE'],
      ['none', 'UNSUPPORTED', null],
    ]);
  });

  it('leaves out a malformed record, serves the rest and says PARTIAL', async () => {
    const records = [sale('3', new Date(day).toISOString()), sale('1', new Date(day).toISOString())];
    const connection: Connection = {
      id: 'p',
      name: 'p',
      vendor: 'tactill',
      adapter: {
        vendor: 'tactill',
        currency: 'EUR',
        sources: { sale: { list: async () => ({ records, nextCursor: null, totalCount: 3, rejected: [{ id: '2', reason: 'total is not a number' }] }) } },
      },
    };
    const page = await listMerged({ kind: 'sale', sources: [{ connection, filter: {} }], first: 10, after: null });
    expect(page.edges.map((edge) => edge.record.id)).toEqual(['3', '1']);
    expect(page.sources[0]).toMatchObject({ status: 'PARTIAL', error: { extensions: { code: 'VENDOR_MALFORMED_RECORD', connection: 'p' } } });
    expect(page.sources[0]!.error!.message).toContain('(2)');
  });
});
