/**
 * For vendors that return whole lists (IncoCloud, Kash): the adapter fetches, filters and
 * sorts the list, then serves pages by offset. The cursor is the offset as text.
 */
import type { ListPage } from './adapter.ts';

export class InvalidCursorError extends Error {
  override readonly name = 'InvalidCursorError';
}

export function pageByOffset<T>(sorted: readonly T[], cursor: string | null, limit: number): ListPage<T> {
  const offset = cursor === null ? 0 : Number(cursor);
  if (!Number.isSafeInteger(offset) || offset < 0) throw new InvalidCursorError(`Not an offset cursor: ${JSON.stringify(cursor)}`);
  const end = offset + Math.max(1, limit);
  return {
    records: sorted.slice(offset, end),
    nextCursor: end < sorted.length ? String(end) : null,
    totalCount: sorted.length,
  };
}

/** Inclusive ISO-instant range test; absent bounds are open. */
export function withinRange(instant: string | null, from?: string, to?: string): boolean {
  if (from === undefined && to === undefined) return true;
  if (instant === null) return false;
  const at = Date.parse(instant);
  return (from === undefined || at >= Date.parse(from)) && (to === undefined || at <= Date.parse(to));
}

export function containsText(haystack: string | null, needle: string | undefined): boolean {
  return needle === undefined || (haystack ?? '').toLocaleLowerCase().includes(needle.toLocaleLowerCase());
}
