/**
 * The fewest vendor calls the vendors' contracts allow for one answer of the nested query,
 * worked out per connection from what the answer holds (which sales, which items, which
 * customers). The rule of issue 7 — list pages, plus one detail call per sale where the
 * vendor requires it, plus one call per referenced entity kind — applied to each contract as
 * documented in docs/vendors/<vendor>.md, with three readings that make it honest rather
 * than flattering:
 *
 *  - An entity kind costs nothing when the records already in hand carry what the query
 *    selects (Tactill sales embed their customer and name their payment methods; Kash's
 *    getOrder embeds the client). It costs a call when only an id is in hand: payment
 *    methods are such a kind wherever payments carry a type id (`method` is selected).
 *  - "One call" means the contract's cheapest way to resolve the distinct ids: one
 *    whole-list answer (IncoCloud, Kash), one `id in [...]` call per 100 ids (Tactill), and
 *    for iCash — which has neither — the cheapest mix of walking its id-ordered pages of
 *    100 from the start and asking the remaining ids one by one (ids are dense there, so
 *    id n sits on page ⌈n/100⌉).
 *  - List pages: a merged page of `first` sales may take all `first` from any one
 *    connection, so each connection must be asked for `first`: ⌈first / its page limit⌉.
 *
 * Sessions (IncoCloud's token, iCash's login) are left out on both sides: they are paid
 * once per connection, not per query. What a query's fields do not need is not counted
 * (item categories and tax groups, when the query asks only an item's name).
 */
import type { VendorId } from '../../src/simulators/server.ts';

/** What one connection contributed to an answer. */
export interface ConnectionUse {
  readonly connection: string;
  readonly vendor: VendorId;
  /** Vendor ids of the sales shown, newest first. */
  readonly sales: readonly string[];
  /** Distinct vendor ids of the items the lines reference. */
  readonly itemIds: readonly string[];
  /** Distinct vendor ids of the sales' customers. */
  readonly customerIds: readonly string[];
  readonly payments: number;
}

export interface MinimumPart {
  readonly what: string;
  readonly calls: number;
  readonly why: string;
}

export interface MinimumPlan {
  readonly connection: string;
  readonly vendor: VendorId;
  readonly calls: number;
  readonly parts: readonly MinimumPart[];
  /** iCash: how many pages of each list the plan walks before asking ids one by one. */
  readonly walk?: { readonly items: number; readonly customers: number };
}

export const PAGE_LIMIT: Readonly<Record<VendorId, number>> = {
  // IncoCloud and Kash lists come whole: one answer however many records.
  incocloud: Number.POSITIVE_INFINITY,
  kash: Number.POSITIVE_INFINITY,
  icash: 100,
  tactill: 100,
};

/** Walk the first `pages` pages of an id-ordered list, then ask the ids beyond one by one: the cheapest such mix. */
export function cheapestLookup(ids: readonly string[], pageSize = 100): { calls: number; pages: number } {
  const pageOf = ids.map((id) => Math.ceil(Number(id) / pageSize));
  const last = Math.max(0, ...pageOf);
  let best = { calls: ids.length, pages: 0 };
  for (let pages = 1; pages <= last; pages += 1) {
    const calls = pages + pageOf.filter((page) => page > pages).length;
    if (calls < best.calls) best = { calls, pages };
  }
  return best;
}

export function minimumCalls(use: ConnectionUse, first: number): MinimumPlan {
  const listPages = Number.isFinite(PAGE_LIMIT[use.vendor]) ? Math.ceil(first / PAGE_LIMIT[use.vendor]) : 1;
  const n = use.sales.length;
  const some = (count: number) => (count > 0 ? 1 : 0);
  const parts: MinimumPart[] = [];
  let walk: MinimumPlan['walk'];
  switch (use.vendor) {
    case 'incocloud':
      parts.push(
        { what: 'GET sale?load_payments=true', calls: 1, why: 'the whole list in one answer, lines and payments inside' },
        { what: 'GET item', calls: some(use.itemIds.length), why: 'the catalogue in one answer' },
        { what: 'GET partner', calls: some(use.customerIds.length), why: 'every partner in one answer' },
        { what: 'GET payment_type', calls: some(use.payments), why: 'payments carry payment_type_id only' },
      );
      break;
    case 'kash':
      parts.push(
        { what: 'getOrders', calls: 1, why: 'the window in one answer (nothing paginates); no lines' },
        { what: 'getOrder', calls: n, why: 'one per sale shown: lines, and the client embedded' },
        { what: 'getPlus', calls: some(use.itemIds.length), why: 'the catalogue in one answer' },
        { what: 'getPaymentModes', calls: some(use.payments), why: 'payments carry paymentModeID only' },
      );
      break;
    case 'icash': {
      const items = cheapestLookup(use.itemIds);
      const customers = cheapestLookup(use.customerIds);
      walk = { items: items.pages, customers: customers.pages };
      parts.push(
        { what: 'operations-list', calls: listPages, why: `${first} newest, pages of 100` },
        { what: 'get-operation', calls: n, why: 'one per sale shown: lines and payments' },
        { what: 'get-sale-items', calls: items.calls, why: `${use.itemIds.length} ids: ${items.pages} page(s) of 100 + ${items.calls - items.pages} by id` },
        { what: 'get-contragents', calls: customers.calls, why: `${use.customerIds.length} ids: ${customers.pages} page(s) of 100 + ${customers.calls - customers.pages} by id` },
        { what: 'get-pay-types', calls: some(use.payments), why: 'payments carry PayTypeID only' },
      );
      break;
    }
    case 'tactill':
      parts.push(
        { what: 'POST sales/request', calls: listPages, why: `${first} newest, limit ≤ 100; lines, payments (named) and customer embedded` },
        { what: 'POST products/request', calls: Math.ceil(use.itemIds.length / 100), why: '`id in [...]`, ≤ 100 ids a call' },
      );
      break;
  }
  return { connection: use.connection, vendor: use.vendor, calls: parts.reduce((sum, part) => sum + part.calls, 0), parts, walk };
}
