import { describe, expect, it } from 'vitest';
import { Decimal, sumDecimals } from '../../src/core/money.ts';
import { createDataset } from '../../src/simulators/dataset.ts';

describe('the shop dataset', () => {
  const dataset = createDataset({ seed: 7, pricePlaces: 4 });

  it('is the same for the same seed and differs across seeds', () => {
    expect(createDataset({ seed: 7, pricePlaces: 4 })).toEqual(dataset);
    expect(createDataset({ seed: 8, pricePlaces: 4 }).items[20]).not.toEqual(dataset.items[20]);
  });

  it('has at least 1,000 items, 300 customers and 5,000 sales by default', () => {
    expect(dataset.items.length).toBeGreaterThanOrEqual(1000);
    expect(dataset.customers.length).toBeGreaterThanOrEqual(300);
    expect(dataset.sales.length).toBe(5000);
  });

  it('scales to 100,000 sales', () => {
    const large = createDataset({ seed: 7, sales: 100_000 });
    expect(large.sales).toHaveLength(100_000);
    expect(large.items.length).toBeGreaterThanOrEqual(1000);
  });

  it('keeps every sale consistent to the cent: lines, totals, tax and payments', () => {
    const paid = new Map<number, Decimal>();
    for (const payment of dataset.payments) paid.set(payment.saleId, (paid.get(payment.saleId) ?? Decimal.zero).add(Decimal.parse(payment.amount)));
    for (const sale of dataset.sales) {
      for (const line of sale.lines) {
        const gross = Decimal.parse(line.quantity).mul(Decimal.parse(line.unitPrice)).round(2);
        expect(gross.sub(Decimal.parse(line.discount)).equals(Decimal.parse(line.total))).toBe(true);
      }
      expect(sumDecimals(sale.lines.map((line) => Decimal.parse(line.total))).equals(Decimal.parse(sale.total))).toBe(true);
      expect(sumDecimals(sale.lines.map((line) => Decimal.parse(line.tax))).equals(Decimal.parse(sale.tax))).toBe(true);
      expect(paid.get(sale.id)?.equals(Decimal.parse(sale.total))).toBe(true);
    }
  });

  it('starts with prices that break binary floats, including 0.10 + 0.20 in one sale', () => {
    expect(dataset.items.slice(0, 3).map((item) => item.price)).toEqual(['0.10', '0.20', '0.30']);
    expect(dataset.items.some((item) => /\.\d{4}$/.test(item.price))).toBe(true);
    expect(dataset.items.some((item) => /\.\d{3}$/.test(item.price))).toBe(true);
    const first = dataset.sales[0]!;
    expect(first.lines.slice(0, 2).map((line) => line.total)).toEqual(['0.10', '0.20']);
    expect(0.1 + 0.2).not.toBe(0.3);
  });

  it('only ever has two decimals for vendors that count in cents', () => {
    const cents = createDataset({ seed: 7, pricePlaces: 2 });
    expect(cents.items.every((item) => /^\d+\.\d{2}$/.test(item.price))).toBe(true);
  });

  it('sells some goods by weight in fractional quantities, and refunds some sales', () => {
    expect(dataset.sales.some((sale) => sale.lines.some((line) => /\.\d{3}$/.test(line.quantity)))).toBe(true);
    const refunds = dataset.sales.filter((sale) => sale.isRefund);
    expect(refunds.length).toBeGreaterThan(0);
    expect(refunds.every((sale) => Decimal.parse(sale.total).isNegative() || Decimal.parse(sale.total).isZero())).toBe(true);
  });

  it('orders sales by time with ids following time', () => {
    for (let i = 1; i < dataset.sales.length; i += 1) {
      expect(dataset.sales[i]!.createdAt >= dataset.sales[i - 1]!.createdAt).toBe(true);
    }
  });

  it('closes every cashbook but the last day with opening amount plus cash taken', () => {
    const open = dataset.cashbooks.filter((cashbook) => cashbook.state === 'OPEN');
    expect(open).toHaveLength(dataset.locations.length);
    const cash = new Map<number, Decimal>();
    const saleById = new Map(dataset.sales.map((sale) => [sale.id, sale]));
    for (const payment of dataset.payments.filter((p) => p.methodId === 1)) {
      const cashbookId = saleById.get(payment.saleId)!.cashbookId;
      cash.set(cashbookId, (cash.get(cashbookId) ?? Decimal.zero).add(Decimal.parse(payment.amount)));
    }
    for (const cashbook of dataset.cashbooks.filter((c) => c.state === 'CLOSED')) {
      expect(Decimal.parse(cashbook.closingAmount!).equals(Decimal.parse(cashbook.openingAmount).add(cash.get(cashbook.id) ?? Decimal.zero))).toBe(true);
    }
  });

  it('gives every booking a customer, items and an end after its start', () => {
    expect(dataset.bookings.length).toBeGreaterThanOrEqual(50);
    for (const booking of dataset.bookings) {
      expect(booking.endsAt > booking.startsAt).toBe(true);
      expect(booking.itemIds.length).toBeGreaterThan(0);
    }
  });
});
