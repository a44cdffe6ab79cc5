/** Shared by the Tactill specs: raw HTTP against a simulator, and dataset ids. */
import { Decimal } from '../../../src/core/money.ts';
import { createDataset, type Dataset } from '../../../src/simulators/dataset.ts';
import {
  TACTILL_DEFAULT_SEED,
  TACTILL_PRODUCTION_KEY,
  tactillDatasetId,
  type TactillIdKind,
} from '../../../src/vendors/tactill/simulator.ts';

export const PRODUCTION_KEY = TACTILL_PRODUCTION_KEY;

export function tactillDataset(sales?: number): Dataset {
  return createDataset({ seed: TACTILL_DEFAULT_SEED, sales, pricePlaces: 2, currency: 'EUR' });
}

/** The wire id of a production dataset record. */
export function productionId(kind: TactillIdKind, n: number): string {
  return tactillDatasetId(kind, TACTILL_DEFAULT_SEED, 'production', n);
}

/** A dataset decimal string in cents, exactly. */
export function cents(amount: string): number {
  return Number(Decimal.parse(amount).toMinorUnits(2));
}

/** A dataset percentage ("5.5") in basis points (550). */
export function basisPoints(percent: string): number {
  return Number(Decimal.parse(percent).toMinorUnits(2));
}

export function groupBy<T, K>(values: readonly T[], key: (value: T) => K): Map<K, T[]> {
  const groups = new Map<K, T[]>();
  for (const value of values) {
    const group = groups.get(key(value));
    if (group) group.push(value);
    else groups.set(key(value), [value]);
  }
  return groups;
}

export interface RawAnswer {
  status: number;
  headers: Headers;
  // Raw wire JSON: the specs read it field by field.
  json: any;
}

/** One call exactly as a third party would make it: fetch, JSON body, the key in X-Api-Key (`null`: no key). */
export async function raw(baseUrl: string, method: string, path: string, body?: unknown, apiKey: string | null = PRODUCTION_KEY): Promise<RawAnswer> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (apiKey !== null) headers['X-Api-Key'] = apiKey;
  if (body !== undefined) headers['content-type'] = 'application/json';
  const response = await fetch(`${baseUrl}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text === '' ? undefined : JSON.parse(text) };
}
