import { describe, expect, it } from 'vitest';
import { compareAmounts, formatMoney, lineAmount, maxAmount, parseDecimal, ratio, sumAmounts } from '../../../examples/dashboard/src/money.ts';

describe('dashboard money', () => {
  it('adds decimal strings exactly, where floats drift', () => {
    expect(0.1 + 0.2).not.toBe(0.3);
    expect(sumAmounts(['0.10', '0.20'])).toBe('0.30');
    expect(sumAmounts(Array.from({ length: 1_000 }, () => '0.01'))).toBe('10.00');
    expect(sumAmounts(['53.0613', '1.1', '-2'])).toBe('52.1613');
  });

  it('totals nothing as zero at the asked scale', () => {
    expect(sumAmounts([], 2)).toBe('0.00');
  });

  it('prices a line as the gateway does: quantity × unit price, rounded half away from zero', () => {
    expect(lineAmount('4', '53.0613', 2)).toBe('212.25'); // 212.2452
    expect(lineAmount('1', '0.125', 2)).toBe('0.13');
    expect(lineAmount('0.5', '0.01', 2)).toBe('0.01'); // 0.005 rounds up
    expect(lineAmount('3', '0.10', 0)).toBe('0');
  });

  it('refuses what is not a decimal number', () => {
    for (const text of ['', '1e3', '1.', '.5', 'abc', '1,5']) expect(() => parseDecimal(text), text).toThrow(/not a decimal/);
  });

  it('formats with grouping and the currency symbol, keeping every place the amount has', () => {
    expect(formatMoney('1234567.5', 'EUR')).toBe('€1,234,567.50');
    expect(formatMoney('0.0125', 'EUR')).toBe('€0.0125');
    expect(formatMoney('-3', 'GBP')).toBe('−£3.00');
    expect(formatMoney('12', 'JPY')).toBe('JP¥ 12');
  });

  it('compares, finds the largest and gives a share of it for drawing', () => {
    expect(compareAmounts('10.5', '10.50')).toBe(0);
    expect(compareAmounts('9.99', '10')).toBe(-1);
    expect(maxAmount(['3.5', '12.01', '12.001'])).toBe('12.01');
    expect(maxAmount([])).toBe('0');
    expect(ratio('25', '100.00')).toBe(0.25);
    expect(ratio('5', '0')).toBe(0);
  });
});
