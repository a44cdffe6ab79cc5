/** A day's sales across every connection, and their exact totals per connection. */
import { execute, errorCodes, GatewayUnavailableError, type GraphQLResult } from './api.ts';
import type { DaySalesQuery } from './__generated__/graphql.ts';
import { sumAmounts } from './money.ts';
import { DaySales } from './operations.ts';

type Source = DaySalesQuery['sales']['sources'][number];

export interface DaySale {
  readonly id: string;
  readonly createdAt: string;
  readonly connection: string;
  readonly amount: string;
  readonly currency: string;
}

export interface ConnectionTotal {
  readonly connection: { readonly id: string; readonly name: string; readonly vendor: string };
  readonly status: Source['status'];
  readonly error: Source['error'];
  readonly count: number;
  /** Exact decimal string, per currency (a connection counts in one, but say which). */
  readonly total: string;
  readonly currency: string | null;
}

export interface DayReport {
  readonly day: string;
  readonly sales: readonly DaySale[];
  readonly sources: readonly Source[];
  /** True when the page cap stopped the walk before the last page. */
  readonly truncated: boolean;
}

/** 100 sales a page; a busy day of a large chain stops here and says so. */
export const MAX_PAGES = 30;

export function dayBounds(day: string): { from: string; to: string } {
  return { from: `${day}T00:00:00.000Z`, to: `${day}T23:59:59.999Z` };
}

export function todayUtc(now = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** Walks every page of the day's sales. A failing vendor keeps its FAILED source and the others' sales. */
export async function loadDay(day: string, signal?: AbortSignal): Promise<DayReport> {
  const sales: DaySale[] = [];
  let sources: Source[] = [];
  let after: string | null = null;
  for (let page = 0; page < MAX_PAGES; page += 1) {
    if (signal?.aborted) break;
    const result: GraphQLResult<DaySalesQuery> = await execute(DaySales, { ...dayBounds(day), after });
    const connection = result.data?.sales;
    if (!connection) throw new GatewayUnavailableError(result.errors?.[0]?.message ?? `The gateway refused the query (${errorCodes(result.errors)})`);
    // A source that failed on any page stays failed in the report.
    sources = page === 0 ? [...connection.sources] : connection.sources.map((source) => {
      const earlier = sources.find((s) => s.connection.id === source.connection.id);
      return earlier && earlier.status !== 'OK' && source.status === 'OK' ? earlier : source;
    });
    for (const { node } of connection.edges) {
      sales.push({ id: node.id, createdAt: node.createdAt, connection: node.connection.id, amount: node.total.amount, currency: node.total.currency });
    }
    if (!connection.pageInfo.hasNextPage || !connection.pageInfo.endCursor) return { day, sales, sources, truncated: false };
    after = connection.pageInfo.endCursor;
  }
  return { day, sales, sources, truncated: true };
}

export function totalsByConnection(report: Pick<DayReport, 'sales' | 'sources'>): ConnectionTotal[] {
  return report.sources.map((source) => {
    const own = report.sales.filter((sale) => sale.connection === source.connection.id);
    return {
      connection: source.connection,
      status: source.status,
      error: source.error,
      count: own.length,
      total: sumAmounts(own.map((sale) => sale.amount), 2),
      currency: own[0]?.currency ?? null,
    };
  });
}

/** The grand total per currency: amounts of different currencies are never added together. */
export function totalsByCurrency(sales: readonly DaySale[]): Array<{ currency: string; total: string; count: number }> {
  const currencies = [...new Set(sales.map((sale) => sale.currency))].sort();
  return currencies.map((currency) => {
    const own = sales.filter((sale) => sale.currency === currency);
    return { currency, total: sumAmounts(own.map((sale) => sale.amount), 2), count: own.length };
  });
}

/** Sales per hour of the day (UTC), per connection: the chart's stacks. */
export function salesPerHour(sales: readonly DaySale[]): Map<number, Map<string, string[]>> {
  const hours = new Map<number, Map<string, string[]>>();
  for (const sale of sales) {
    const hour = new Date(sale.createdAt).getUTCHours();
    const byConnection = hours.get(hour) ?? new Map<string, string[]>();
    byConnection.set(sale.connection, [...(byConnection.get(sale.connection) ?? []), sale.amount]);
    hours.set(hour, byConnection);
  }
  return hours;
}
