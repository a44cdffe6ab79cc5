import { describe, expect, it } from 'vitest';
import { Decimal, DecimalError } from '../../../src/core/money.ts';
import { icashSignature, toFixedScale } from '../../../src/vendors/icash/wire.ts';

describe('iCash request signature', () => {
  it('matches the contract test vector: HMAC-SHA256(secret, nonce + WareHouseID + api_key) in uppercase hex', () => {
    expect(icashSignature('test-secret', 1700000000, '785', 'test-api-key')).toBe('B02C11251D7ACBD19B936A27BBF92EFF76B9D65B73D6A34957FC81DECD0D08D3');
  });

  it('signs the nonce as the same decimal text whether given as a number or a string', () => {
    expect(icashSignature('s', '42', '1', 'k')).toBe(icashSignature('s', 42, '1', 'k'));
    expect(icashSignature('s', 43, '1', 'k')).not.toBe(icashSignature('s', 42, '1', 'k'));
  });
});

describe('iCash fixed-scale decimals', () => {
  it('pads to the column scale without going through a float', () => {
    expect(toFixedScale('66.6', 6)).toBe('66.600000');
    expect(toFixedScale('0.1', 5)).toBe('0.10000');
    expect(toFixedScale(Decimal.parse('0.10').add(Decimal.parse('0.20')), 2)).toBe('0.30');
    expect(toFixedScale('33.333300', 4)).toBe('33.3333');
  });

  it('refuses a value with more significant decimals than the column stores', () => {
    expect(() => toFixedScale('1.005', 2)).toThrow(DecimalError);
    expect(() => toFixedScale('0.123456', 5)).toThrow(/more than 5 decimal places/);
  });
});
