import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Decimal, DecimalError, money, sumDecimals } from '../../src/core/money.ts';

const decimalText = fc
  .tuple(fc.boolean(), fc.bigInt({ min: 0n, max: 10n ** 14n }), fc.integer({ min: 0, max: 6 }))
  .map(([negative, units, scale]) => Decimal.of(negative ? -units : units, scale).toString());

describe('Decimal', () => {
  it('adds 0.1 and 0.2 to exactly 0.3', () => {
    expect(Decimal.parse('0.1').add(Decimal.parse('0.2')).toString()).toBe('0.3');
    expect(Decimal.fromJsonNumber(0.1).add(Decimal.fromJsonNumber(0.2)).equals(Decimal.parse('0.3'))).toBe(true);
  });

  it('round-trips every decimal literal through parse and toString', () => {
    fc.assert(
      fc.property(decimalText, (text) => {
        expect(Decimal.parse(text).toString()).toBe(text);
      }),
    );
  });

  it('reads JSON numbers as the literal the vendor wrote, for up to 15 significant digits', () => {
    fc.assert(
      fc.property(fc.bigInt({ min: -(10n ** 15n) + 1n, max: 10n ** 15n - 1n }), fc.integer({ min: 0, max: 8 }), (units, scale) => {
        const exact = Decimal.of(units, scale);
        const asJson = JSON.parse(JSON.stringify(Number(exact.toString()))) as number;
        expect(Decimal.fromJsonNumber(asJson).equals(exact)).toBe(true);
      }),
    );
  });

  it('reads exponent notation exactly', () => {
    expect(Decimal.fromJsonNumber(1e-7).toString()).toBe('0.0000001');
    expect(Decimal.fromJsonNumber(1.5e21).toString()).toBe('1500000000000000000000');
  });

  it('refuses JSON numbers with more digits than a double carries', () => {
    expect(() => Decimal.fromJsonNumber(0.1 + 0.2)).toThrow(DecimalError);
  });

  it('converts cents and back without loss', () => {
    fc.assert(
      fc.property(fc.integer({ min: -1e12, max: 1e12 }), (cents) => {
        expect(Decimal.fromMinorUnits(cents, 2).toMinorUnits(2)).toBe(BigInt(cents));
      }),
    );
  });

  it('refuses to drop digits when converting to minor units', () => {
    expect(() => Decimal.parse('1.005').toMinorUnits(2)).toThrow(/more than 2 decimal places/);
    expect(Decimal.parse('1.500000').toMinorUnits(2)).toBe(150n);
  });

  it('rounds half away from zero where floats get it wrong', () => {
    expect(Decimal.parse('1.005').round(2).toString()).toBe('1.01');
    expect(Decimal.parse('2.675').round(2).toString()).toBe('2.68');
    expect(Decimal.parse('-2.675').round(2).toString()).toBe('-2.68');
    expect(Decimal.parse('2.674').round(2).toString()).toBe('2.67');
  });

  it('keeps addition associative and commutative, unlike floats', () => {
    fc.assert(
      fc.property(decimalText, decimalText, decimalText, (a, b, c) => {
        const [x, y, z] = [a, b, c].map((text) => Decimal.parse(text)) as [Decimal, Decimal, Decimal];
        expect(x.add(y).add(z).equals(x.add(y.add(z)))).toBe(true);
        expect(x.add(y).equals(y.add(x))).toBe(true);
        expect(x.add(y).sub(y).equals(x)).toBe(true);
      }),
    );
  });

  it('writes a JSON number only when it reads back to the same value', () => {
    expect(Decimal.parse('29.99').toJsonNumber()).toBe(29.99);
    expect(() => Decimal.parse('0.12345678901234567').toJsonNumber()).toThrow(DecimalError);
  });

  it('rejects what is not a decimal with the bad value in the message', () => {
    for (const bad of ['', '1,5', '1e3', 'NaN', '--1', '.5', '1.']) {
      expect(() => Decimal.parse(bad)).toThrow(DecimalError);
    }
    expect(() => Decimal.parse('12,30')).toThrow('"12,30"');
  });
});

describe('money', () => {
  it('pads to the currency precision and keeps extra digits', () => {
    expect(money('12.3', 'EUR')).toEqual({ amount: '12.30', currency: 'EUR' });
    expect(money('0.0125', 'EUR')).toEqual({ amount: '0.0125', currency: 'EUR' });
    expect(money(Decimal.fromMinorUnits(1200, 2), 'EUR').amount).toBe('12.00');
    expect(money('66.600000', 'EUR').amount).toBe('66.60');
  });

  it('sums any list of amounts exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: -1e9, max: 1e9 })), (cents) => {
        const total = sumDecimals(cents.map((c) => Decimal.fromMinorUnits(c, 2)));
        expect(total.toMinorUnits(2)).toBe(cents.reduce((sum, c) => sum + BigInt(c), 0n));
      }),
    );
  });

  it('refuses an unknown currency', () => {
    expect(() => money('1', 'XXX')).toThrow(/Unknown currency/);
  });
});
