/** Setting validators every vendor's connection settings share. */
import { z } from 'zod';
import { currencyExponent } from './money.ts';

function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function isKnownCurrency(code: string): boolean {
  try {
    currencyExponent(code);
    return true;
  } catch {
    return false;
  }
}

export const timeZoneSetting = z.string().refine(isTimeZone, { message: 'expected an IANA time zone such as "Europe/Paris"' });

export const currencySetting = z.string().refine(isKnownCurrency, { message: 'expected an ISO 4217 currency code posgraph knows, such as "EUR"' });
