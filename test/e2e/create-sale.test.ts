import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Decimal, sumDecimals } from '../../src/core/money.ts';
import { VENDOR_IDS, type VendorId } from '../../src/vendors/index.ts';
import { CreateSaleDocument, ItemsDocument, type CreateSaleMutationVariables } from './__generated__/graphql.ts';
import { startTestStack, type TestStack } from './harness.ts';

/** IncoCloud records sales unpaid (no payment write); the others take a cash payment. */
const PAYS: Record<VendorId, boolean> = { incocloud: false, kash: true, icash: true, tactill: true };

describe('createSale over HTTP, for every vendor', () => {
  let stack: TestStack;
  beforeAll(async () => {
    stack = await startTestStack({ sales: 300 });
  });
  afterAll(() => stack.close());

  async function saleInput(vendor: VendorId, key: string): Promise<CreateSaleMutationVariables['input']> {
    const connection = `demo-${vendor}`;
    const { data } = await stack.query(ItemsDocument, { first: 2, connections: [connection] });
    const items = data!.items.edges.map((edge) => edge.node);
    const total = sumDecimals(items.map((item) => Decimal.parse(item.price.amount).round(2)));
    return {
      connection,
      idempotencyKey: key,
      lines: items.map((item) => ({ item: item.id, quantity: '1' })),
      payments: PAYS[vendor] ? [{ method: 'CASH', amount: { amount: total.toFixedAtLeast(2), currency: 'EUR' } }] : null,
      note: 'e2e',
    };
  }

  const salesAt = async (vendor: VendorId) => (await stack.demo.simulators[vendor].simulator.counts()).sales;

  it.each(VENDOR_IDS)('%s: writes the sale and answers it as the vendor now has it', async (vendor) => {
    const before = await salesAt(vendor);
    const input = await saleInput(vendor, `happy-${vendor}`);
    const { data, errors } = await stack.query(CreateSaleDocument, { input });
    expect(errors).toBeUndefined();
    expect(data!.createSale.errors).toEqual([]);
    const sale = data!.createSale.sale!;
    expect(sale.connection.vendor).toBe(vendor.toUpperCase());
    expect(sale.lines.map((line) => line.item!.id)).toEqual(input.lines.map((line) => line.item));
    expect(sumDecimals(sale.lines.map((line) => Decimal.parse(line.total.amount))).equals(Decimal.parse(sale.total.amount))).toBe(true);
    if (PAYS[vendor]) expect(sale.payments.map((payment) => payment.amount.amount)).toEqual([input.payments![0]!.amount.amount]);
    expect(await salesAt(vendor)).toBe(before + 1);
  });

  it.each(VENDOR_IDS)('%s: 50 identical requests racing on one key make one sale', async (vendor) => {
    const before = await salesAt(vendor);
    const input = await saleInput(vendor, `race-${vendor}`);
    const responses = await Promise.all(Array.from({ length: 50 }, () => stack.query(CreateSaleDocument, { input })));
    const ids = new Set(responses.map((response) => response.data?.createSale.sale?.id));
    expect(responses.every((response) => response.data?.createSale.errors.length === 0)).toBe(true);
    expect(ids.size).toBe(1);
    expect(await salesAt(vendor)).toBe(before + 1);
  });

  it('refuses the same key with a different input, writing nothing', async () => {
    const input = await saleInput('tactill', 'conflict');
    await stack.query(CreateSaleDocument, { input });
    const before = await salesAt('tactill');
    const { data } = await stack.query(CreateSaleDocument, { input: { ...input, note: 'other' } });
    expect(data!.createSale).toMatchObject({ sale: null, errors: [{ code: 'IDEMPOTENCY_CONFLICT', field: 'idempotencyKey' }] });
    expect(await salesAt('tactill')).toBe(before);
  });

  it('validates before any write: an unknown item, a bad quantity, payments that do not add up', async () => {
    const input = await saleInput('kash', 'invalid');
    const before = await salesAt('kash');
    stack.resetSimulators();
    const { data } = await stack.query(CreateSaleDocument, {
      input: { ...input, lines: [{ ...input.lines[0]!, quantity: '0' }, input.lines[1]!], payments: [{ method: 'CASH', amount: { amount: '0.01', currency: 'EUR' } }] },
    });
    expect(data!.createSale.errors.map((error) => [error.code, error.field])).toEqual([['VALIDATION', 'lines[0].quantity']]);
    expect(await salesAt('kash')).toBe(before);
    const writes = Object.entries(stack.demo.simulators.kash.stats().byRoute).filter(([route]) => route.includes('webapp'));
    expect(writes).toEqual([]);
  });
});
