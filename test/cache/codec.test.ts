import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CacheCodecError, decodeCacheValue, encodeCacheValue } from '../../src/cache/codec.ts';
import { Decimal } from '../../src/core/money.ts';

const decimal = fc.tuple(fc.bigInt({ min: -(10n ** 30n), max: 10n ** 30n }), fc.integer({ min: 0, max: 12 })).map(([units, scale]) => Decimal.of(units, scale));

/** JSON-like values with Decimals, bigints and `$`-keys (which look like the codec's tags) mixed in. */
const cacheable = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: 'small' },
    fc.constant(null),
    fc.boolean(),
    fc.double({ noNaN: true, noDefaultInfinity: true }).filter((n) => !Object.is(n, -0)),
    fc.string(),
    fc.bigInt(),
    decimal,
    fc.array(tie('value'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string(), fc.constantFrom('$decimal', '$bigint', '$$decimal', '$', '__proto__', '$undefined')), tie('value'), { maxKeys: 4 }),
  ),
})).value;

function sameValue(actual: unknown, expected: unknown): void {
  if (expected instanceof Decimal) {
    expect(actual).toBeInstanceOf(Decimal);
    // Exact: the same units at the same scale, not merely an equal number.
    expect([(actual as Decimal).units, (actual as Decimal).scale]).toEqual([expected.units, expected.scale]);
  } else if (Array.isArray(expected)) {
    expect(Array.isArray(actual)).toBe(true);
    expect((actual as unknown[]).length).toBe(expected.length);
    expected.forEach((item, index) => sameValue((actual as unknown[])[index], item));
  } else if (expected !== null && typeof expected === 'object') {
    expect(Object.keys(actual as object).sort()).toEqual(Object.keys(expected).sort());
    for (const key of Object.keys(expected)) sameValue(Object.getOwnPropertyDescriptor(actual, key)?.value, (expected as Record<string, unknown>)[key]);
  } else {
    expect(actual).toBe(expected);
  }
}

describe('cache codec', () => {
  it('reads back every value exactly as it was written, Decimals and bigints included', () => {
    fc.assert(
      fc.property(cacheable, (value) => {
        sameValue(decodeCacheValue(encodeCacheValue(value)), value);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps a sale record with money in Decimal to the last digit', () => {
    const record = {
      kind: 'sale',
      id: '42',
      total: { amount: Decimal.parse('253.21'), currency: 'EUR' },
      lines: [{ quantity: Decimal.parse('1.5'), unitPrice: Decimal.parse('69.311700'), total: Decimal.parse('103.97') }],
      raw: { PaymentSum: '66.600000', $decimal: 'a vendor field' },
    };
    const back = decodeCacheValue(encodeCacheValue(record)) as typeof record;
    expect(back.total.amount).toBeInstanceOf(Decimal);
    expect(back.lines[0]!.unitPrice.toString()).toBe('69.311700');
    expect(back.lines[0]!.unitPrice.add(Decimal.parse('0.1')).toString()).toBe('69.411700');
    expect(back.raw).toEqual({ PaymentSum: '66.600000', $decimal: 'a vendor field' });
  });

  it('drops fields set to undefined, as an absent optional field', () => {
    expect(decodeCacheValue(encodeCacheValue({ lines: undefined, id: '1' }))).toEqual({ id: '1' });
  });

  it('refuses what it cannot write exactly', () => {
    expect(() => encodeCacheValue({ amount: Number.NaN })).toThrow(CacheCodecError);
    expect(() => encodeCacheValue(new Map())).toThrow(/Cannot cache an instance of Map/);
  });
});
