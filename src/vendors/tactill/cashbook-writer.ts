/**
 * openCashbook and closeCashbook at Tactill: a till session is a cashbook (seed §Cashbook
 * "Create a new cashbook" with `state: "OPEN"`, "Update a cashbook" with `state: "CLOSED"`;
 * docs/vendors/tactill.md "Customers and till sessions through posgraph").
 *
 * - Opening needs the shop, the till (`source_id`, `source_name`) and the session's
 *   sequential `number`. v0 has no shop or till endpoint, so they come from the cashbooks
 *   the vendor lists, as for sales (writer.ts): the shop is the opening's location, else
 *   `settings.shopId`, else the shop of the newest session (of `settings.sourceId` when
 *   set); the till is `settings.sourceId`/`sourceName`, else the till of that shop's
 *   highest-numbered session, and `number` is that session's number + 1. Nothing is kept
 *   between openings (unlike the sale writer's till): a kept number would be stale, and a
 *   session is opened once a day per till, so the two list POSTs hardly dent the quota.
 * - The opening cash is `opening_cash_fund: [{cash method, amount}]` in minor units, so the
 *   adapter's mapping (the sum of the entries) gives back `openingAmount` exactly; likewise
 *   `closing_cash_fund` for `closingAmount`. The cash method is the one the till's earlier
 *   counts name (an entry whose name reads as cash), else posgraph's derived Cash method.
 * - The reference goes in the session's `note`: the create body has no `original_id`
 *   (the vendor sets it), and `note` is stored and filterable (`note: {eq}`), which is how
 *   `findOpened` finds a session whose answer was lost. Closing leaves the note alone.
 * - Closing reads the session first (`GET`, which does not count against the quota): an
 *   unknown id is NOT_FOUND and a closed session is VALIDATION — unless it was closed with
 *   exactly the amount asked, which is this closing already recorded (an earlier attempt
 *   whose answer was lost): it is returned, not refused. `findClosed` applies that same
 *   test, so a retry after a cut answer is recognised.
 */
import { WriteRefusedError, type CallOptions, type CashbookOpening, type CashbookWriter } from '../../core/adapter.ts';
import { VendorNotFoundError, VendorRejectedError } from '../../core/errors.ts';
import type { CashbookRecord } from '../../core/model.ts';
import { currencyExponent, type Decimal } from '../../core/money.ts';
import type { TactillClient } from './client.ts';
import { minorUnits, resolveTactillPaymentMethod } from './writer.ts';
import type { TactillCashbook, TactillCashbookCreateInput, TactillCashFundEntry } from './wire.ts';

export interface TactillCashbookWriterSettings {
  readonly currency: string;
  /** The shop a session without a location is opened in. */
  readonly shopId?: string | undefined;
  /** The till (source) posgraph opens sessions for; default: the shop's latest session's till. */
  readonly sourceId?: string | undefined;
  /** That till's name; default: `sourceId` when given, else the latest session's `source_name`. */
  readonly sourceName?: string | undefined;
}

/** Where and as what a session is opened. */
export interface TactillTillSession {
  readonly shopId: string;
  readonly sourceId: string;
  readonly sourceName: string;
  readonly number: number;
  /** The cash method the till's counts use. */
  readonly cash: Omit<TactillCashFundEntry, 'amount'>;
}

/** The cash entry of earlier counts (by a name that reads as cash), else posgraph's derived Cash method. */
export function cashMethodOf(cashbooks: readonly TactillCashbook[]): Omit<TactillCashFundEntry, 'amount'> {
  for (const cashbook of cashbooks) {
    for (const entry of [...cashbook.closing_cash_fund, ...cashbook.opening_cash_fund]) {
      const name = entry.payment_method_name ?? null;
      if (name !== null && resolveTactillPaymentMethod(name)?.type === 'CASH') return { payment_method_id: entry.payment_method_id, payment_method_name: name };
    }
  }
  const cash = resolveTactillPaymentMethod('Cash')!;
  return { payment_method_id: cash.id, payment_method_name: cash.name };
}

/** The `POST /cashbooks` body that opens a session with this cash in the drawer. */
export function tactillOpeningBody(opening: CashbookOpening, session: TactillTillSession, currencyCode: string, at: Date): TactillCashbookCreateInput {
  return {
    shop_id: session.shopId,
    source_id: session.sourceId,
    source_name: session.sourceName,
    number: session.number,
    state: 'OPEN',
    opened_at: at.toISOString(),
    note: opening.reference,
    opening_cash_fund: [{ ...session.cash, amount: minorUnits(opening.openingAmount, currencyExponent(currencyCode), 'openingAmount') }],
  };
}

/** The counted cash of a closed session, in minor units (null while not counted). */
function countedCash(entries: readonly TactillCashFundEntry[]): bigint | null {
  return entries.length === 0 ? null : entries.reduce((sum, entry) => sum + BigInt(entry.amount), 0n);
}

export function createTactillCashbookWriter(
  client: TactillClient,
  settings: TactillCashbookWriterSettings,
  /** The adapter's own cashbook mapping (a record it cannot map is the vendor's fault). */
  mapCashbook: (cashbook: TactillCashbook) => CashbookRecord,
  now: () => Date = () => new Date(),
): CashbookWriter {
  const exponent = currencyExponent(settings.currency);
  const closedWith = (cashbook: TactillCashbook, amount: Decimal): boolean =>
    cashbook.state === 'CLOSED' && countedCash(cashbook.closing_cash_fund) === amount.toMinorUnits(exponent);

  /** The till session to open, from the sessions the vendor lists (two list POSTs at most). */
  const sessionFor = async (opening: CashbookOpening, options: CallOptions): Promise<TactillTillSession> => {
    const field = opening.locationId === null ? null : 'location';
    const bySource = settings.sourceId === undefined ? {} : { source_id: { eq: settings.sourceId } };
    let shopId = opening.locationId ?? settings.shopId;
    if (shopId === undefined) {
      // seed §Cashbook "Request cashbooks with filtering": the newest session decides the shop.
      const newest = await client.listCashbooks({ ...bySource, sort: { field: 'opened_at', direction: 'desc' }, limit: 1 }, { signal: options.signal });
      shopId = newest.items[0]?.shop_id;
      if (shopId === undefined) throw new WriteRefusedError('VALIDATION', 'Tactill has no till session yet to learn a shop from: give a location (or set shopId and sourceId)', field);
    }
    // The shop's (or till's) highest-numbered session: its till, and the number after it.
    const latest = await client.listCashbooks(
      { shop_id: { eq: shopId }, ...bySource, sort: { field: 'number', direction: 'desc' }, limit: 1 },
      { signal: options.signal },
    );
    const previous = latest.items[0];
    const sourceId = settings.sourceId ?? previous?.source_id;
    if (sourceId === undefined) {
      throw new WriteRefusedError('VALIDATION', `Tactill shop ${shopId} has no till session to take its till from (or no such shop): set sourceId, or open the first session at the till`, field);
    }
    return {
      shopId,
      sourceId,
      sourceName: settings.sourceName ?? settings.sourceId ?? previous!.source_name,
      number: (previous?.number ?? 0) + 1,
      cash: cashMethodOf(previous === undefined ? [] : [previous]),
    };
  };

  /** The session as the vendor has it now; an unknown id is NOT_FOUND. */
  const current = async (cashbookId: string, options: CallOptions): Promise<TactillCashbook> => {
    try {
      // seed §Cashbook "Get a cashbook by ID".
      return await client.getCashbook(cashbookId, { signal: options.signal });
    } catch (error) {
      if (error instanceof VendorNotFoundError) throw new WriteRefusedError('NOT_FOUND', `Tactill has no cashbook ${cashbookId}`, 'cashbook');
      throw error;
    }
  };

  /** A closed session: this closing already recorded (same amount), else a refusal. */
  const alreadyClosed = (cashbook: TactillCashbook, amount: Decimal): CashbookRecord => {
    if (closedWith(cashbook, amount)) return mapCashbook(cashbook);
    throw new WriteRefusedError('VALIDATION', `Cashbook ${cashbook.id} is already closed`, 'cashbook');
  };

  return {
    async open(opening, options) {
      const session = await sessionFor(opening, options);
      // seed §Cashbook "Create a new cashbook": state OPEN opens the session; the answer is the stored cashbook.
      return mapCashbook(await client.createCashbook(tactillOpeningBody(opening, session, settings.currency, now()), { signal: options.signal }));
    },

    async findOpened(opening, options) {
      // The reference is the session's note; the earliest session with it is the one opened.
      const page = await client.listCashbooks({ note: { eq: opening.reference }, sort: { field: 'created_at', direction: 'asc' }, limit: 1 }, { signal: options.signal });
      const cashbook = page.items[0];
      return cashbook === undefined ? null : mapCashbook(cashbook);
    },

    async close(closing, options) {
      const before = await current(closing.cashbookId, options);
      if (before.state === 'CLOSED') return alreadyClosed(before, closing.closingAmount);
      const amount = minorUnits(closing.closingAmount, exponent, 'closingAmount');
      try {
        // seed §Cashbook "Update a cashbook": PATCH /cashbooks/{id}, the id repeated in the body.
        const closed = await client.updateCashbook(
          { id: before.id, state: 'CLOSED', closed_at: now().toISOString(), closing_cash_fund: [{ ...cashMethodOf([before]), amount }] },
          { signal: options.signal },
        );
        return mapCashbook(closed);
      } catch (error) {
        if (error instanceof VendorNotFoundError) throw new WriteRefusedError('NOT_FOUND', `Tactill has no cashbook ${closing.cashbookId}`, 'cashbook');
        if (!(error instanceof VendorRejectedError)) throw error;
        // Closed by the till between our read and our write? Then say so, as above.
        const after = await current(closing.cashbookId, options).catch(() => null);
        if (after?.state === 'CLOSED') return alreadyClosed(after, closing.closingAmount);
        throw error;
      }
    },

    async findClosed(closing, options) {
      let cashbook: TactillCashbook;
      try {
        cashbook = await client.getCashbook(closing.cashbookId, { signal: options.signal });
      } catch (error) {
        if (error instanceof VendorNotFoundError) return null;
        throw error;
      }
      return closedWith(cashbook, closing.closingAmount) ? mapCashbook(cashbook) : null;
    },
  };
}
