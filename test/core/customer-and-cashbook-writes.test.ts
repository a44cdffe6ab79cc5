import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WriteRefusedError, type CashbookWriter, type CustomerWriter, type VendorAdapter } from '../../src/core/adapter.ts';
import type { Connection } from '../../src/core/connection.ts';
import { closeCashbook, createCustomer, openCashbook, type WriteContext } from '../../src/core/customer-and-cashbook-writes.ts';
import type { CashbookRecord, CustomerRecord } from '../../src/core/model.ts';
import type { WriteOutcome, WriteStore } from '../../src/core/write-once.ts';
import { memoryStores, redisStores } from '../support/shared-stores.ts';

function vendor(store: WriteStore) {
  const customers: Array<CustomerRecord & { reference: string }> = [];
  const cashbooks: Array<CashbookRecord & { reference: string }> = [];
  const customer: CustomerWriter = {
    async create(draft) {
      const record = { kind: 'customer' as const, id: String(customers.length + 1), name: draft.company ?? `${draft.firstName} ${draft.lastName}`, firstName: draft.firstName, lastName: draft.lastName, company: draft.company, email: draft.email, phone: draft.phone, vatNumber: draft.vatNumber, raw: {}, reference: draft.reference };
      customers.push(record);
      return record;
    },
    async findByReference(draft) {
      return customers.find((c) => c.reference === draft.reference) ?? null;
    },
  };
  const cashbook: CashbookWriter = {
    async open(opening) {
      const record = { kind: 'cashbook' as const, id: String(cashbooks.length + 1), name: null, state: 'OPEN' as const, openedAt: '2026-11-20T07:00:00Z', closedAt: null, openingAmount: { amount: opening.openingAmount.toFixedAtLeast(2), currency: 'EUR' }, closingAmount: null, locationId: opening.locationId, raw: {}, reference: opening.reference };
      cashbooks.push(record);
      return record;
    },
    async findOpened(opening) {
      return cashbooks.find((c) => c.reference === opening.reference) ?? null;
    },
    async close(closing) {
      const index = cashbooks.findIndex((c) => c.id === closing.cashbookId);
      if (index < 0) throw new WriteRefusedError('NOT_FOUND', `No cashbook ${closing.cashbookId}`, 'cashbook');
      if (cashbooks[index]!.state === 'CLOSED') throw new WriteRefusedError('VALIDATION', 'Cashbook already closed', 'cashbook');
      cashbooks[index] = { ...cashbooks[index]!, state: 'CLOSED', closedAt: '2026-11-20T19:30:00Z', closingAmount: { amount: closing.closingAmount.toFixedAtLeast(2), currency: 'EUR' } };
      return cashbooks[index]!;
    },
    async findClosed(closing) {
      const found = cashbooks.find((c) => c.id === closing.cashbookId && c.state === 'CLOSED');
      return found ?? null;
    },
  };
  const adapter: VendorAdapter = { vendor: 'tactill', currency: 'EUR', sources: {}, writers: { customer, cashbook } };
  const connection: Connection = { id: 'c', name: 'c', vendor: 'tactill', adapter };
  const context: WriteContext = { tenant: 't', store, options: {} };
  return { customers, cashbooks, connection, context };
}

const person = { firstName: 'Marie', lastName: 'Curie', company: null, email: 'marie@example.com', phone: null, vatNumber: null };

// The same specification whichever store holds the keys: this process's memory, or Redis.
describe.each([memoryStores(), redisStores()])('writes with idempotency keys in $name', (kind) => {
  beforeAll(() => kind.setUp());
  afterAll(() => kind.tearDown());

  describe('createCustomer', () => {
    it('creates once per key and replays the same customer', async () => {
      const { customers, connection, context } = vendor(kind.create<WriteOutcome<unknown>>());
      const first = await createCustomer(context, connection, 'k', person);
      const again = await createCustomer(context, connection, 'k', person);
      expect(first.record?.name).toBe('Marie Curie');
      expect(again).toEqual(first);
      expect(customers).toHaveLength(1);
    });

    it('needs a last name or a company, and a real e-mail address', async () => {
      const { customers, connection, context } = vendor(kind.create<WriteOutcome<unknown>>());
      const outcome = await createCustomer(context, connection, 'v', { ...person, lastName: null, email: 'not-an-email' });
      expect(outcome.errors.map((error) => [error.code, error.field])).toEqual([['VALIDATION', 'lastName'], ['VALIDATION', 'email']]);
      expect(customers).toHaveLength(0);
    });

    it('is UNSUPPORTED where the vendor cannot create customers', async () => {
      const connection: Connection = { id: 'k', name: 'k', vendor: 'kash', adapter: { vendor: 'kash', currency: 'EUR', sources: {} } };
      const outcome = await createCustomer(vendor(kind.create<WriteOutcome<unknown>>()).context, connection, 'u', person);
      expect(outcome.errors[0]?.code).toBe('UNSUPPORTED');
    });
  });

  describe('till sessions', () => {
    it('opens and closes a cashbook, each once per key', async () => {
      const { cashbooks, connection, context } = vendor(kind.create<WriteOutcome<unknown>>());
      const opened = await openCashbook(context, connection, 'open-1', { locationId: null, openingAmount: { amount: '150', currency: 'EUR' } });
      expect(opened.record).toMatchObject({ state: 'OPEN', openingAmount: { amount: '150.00', currency: 'EUR' } });
      expect(await openCashbook(context, connection, 'open-1', { locationId: null, openingAmount: { amount: '150', currency: 'EUR' } })).toEqual(opened);
      const closing = { cashbookId: opened.record!.id, closingAmount: { amount: '412.35', currency: 'EUR' } };
      const closed = await closeCashbook(context, connection, 'close-1', closing);
      expect(closed.record).toMatchObject({ state: 'CLOSED', closingAmount: { amount: '412.35', currency: 'EUR' } });
      expect(await closeCashbook(context, connection, 'close-1', closing)).toEqual(closed);
      expect(cashbooks).toHaveLength(1);
    });

    it('refuses amounts in another currency, negative, or finer than cents', async () => {
      const { cashbooks, connection, context } = vendor(kind.create<WriteOutcome<unknown>>());
      for (const [key, amount] of [['a', { amount: '1', currency: 'USD' }], ['b', { amount: '-1', currency: 'EUR' }], ['c', { amount: '1.005', currency: 'EUR' }]] as const) {
        const outcome = await openCashbook(context, connection, key, { locationId: null, openingAmount: amount });
        expect(outcome.errors[0]).toMatchObject({ code: 'VALIDATION', field: 'openingAmount' });
      }
      expect(cashbooks).toHaveLength(0);
    });

    it("reports the vendor's refusal to close a cashbook twice", async () => {
      const { connection, context } = vendor(kind.create<WriteOutcome<unknown>>());
      const opened = await openCashbook(context, connection, 'o', { locationId: null, openingAmount: { amount: '0', currency: 'EUR' } });
      const closing = { cashbookId: opened.record!.id, closingAmount: { amount: '1.00', currency: 'EUR' } };
      await closeCashbook(context, connection, 'first', closing);
      const second = await closeCashbook(context, connection, 'second', closing);
      expect(second.errors).toEqual([{ code: 'VALIDATION', field: 'cashbook', message: 'Cashbook already closed' }]);
    });
  });
});
