/**
 * The one order of every list, so streams from different connections can be merged:
 * items, customers and locations by name then id; sales, payments and bookings newest
 * first (date desc, then id desc); cashbooks by opening time, newest first.
 * Adapters return their pages in this order; the merge relies on it.
 */
import type { AnyRecord, EntityKind, EntityRecords } from './model.ts';

const collator = new Intl.Collator('en', { sensitivity: 'base', numeric: true });

/** Ids compare numerically when both are integers ("9" < "10"), as text otherwise. */
export function compareIds(a: string, b: string): number {
  if (/^\d+$/.test(a) && /^\d+$/.test(b)) {
    return a.length === b.length ? (a < b ? -1 : a > b ? 1 : 0) : a.length - b.length;
  }
  return a < b ? -1 : a > b ? 1 : 0;
}

function byNameThenId(a: { name: string; id: string }, b: { name: string; id: string }): number {
  return collator.compare(a.name, b.name) || compareIds(a.id, b.id);
}

function newestFirst(dateA: string | null, dateB: string | null, idA: string, idB: string): number {
  const a = dateA === null ? Number.NEGATIVE_INFINITY : Date.parse(dateA);
  const b = dateB === null ? Number.NEGATIVE_INFINITY : Date.parse(dateB);
  return b - a || compareIds(idB, idA);
}

type Comparator<K extends EntityKind> = (a: EntityRecords[K], b: EntityRecords[K]) => number;

const COMPARATORS: { [K in EntityKind]: Comparator<K> } = {
  item: byNameThenId,
  customer: byNameThenId,
  location: byNameThenId,
  sale: (a, b) => newestFirst(a.createdAt, b.createdAt, a.id, b.id),
  payment: (a, b) => newestFirst(a.createdAt, b.createdAt, a.id, b.id),
  booking: (a, b) => newestFirst(a.startsAt, b.startsAt, a.id, b.id),
  cashbook: (a, b) => newestFirst(a.openedAt, b.openedAt, a.id, b.id),
};

export function comparatorFor<K extends EntityKind>(kind: K): Comparator<K> {
  return COMPARATORS[kind];
}

export function sortRecords<K extends EntityKind>(kind: K, records: EntityRecords[K][]): EntityRecords[K][] {
  return records.sort(comparatorFor(kind));
}

export type { AnyRecord };
