/**
 * Vendors that speak local wall-clock time ("2026-11-20 14:05:00" in Europe/Sofia) are
 * converted here, using the connection's configured zone, so the schema only ever sees
 * ISO 8601 instants.
 */

const partsFormatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = partsFormatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    partsFormatters.set(timeZone, formatter);
  }
  return formatter;
}

/** Offset of `timeZone` from UTC at the instant `epochMs`, in milliseconds. */
function offsetAt(epochMs: number, timeZone: string): number {
  const parts = Object.fromEntries(formatterFor(timeZone).formatToParts(new Date(epochMs)).map((part) => [part.type, part.value]));
  const asUtc = Date.UTC(Number(parts.year), Number(parts.month) - 1, Number(parts.day), Number(parts.hour), Number(parts.minute), Number(parts.second));
  return asUtc - Math.floor(epochMs / 1000) * 1000;
}

/** An instant as local "YYYY-MM-DD HH:MM:SS" in `timeZone`. */
export function toLocalDateTime(instant: string | Date, timeZone: string): string {
  const epochMs = typeof instant === 'string' ? Date.parse(instant) : instant.getTime();
  if (Number.isNaN(epochMs)) throw new RangeError(`Not a date: ${String(instant)}`);
  return new Date(epochMs + offsetAt(epochMs, timeZone)).toISOString().slice(0, 19).replace('T', ' ');
}

/** The local date "YYYY-MM-DD" of an instant in `timeZone`. */
export function toLocalDate(instant: string | Date, timeZone: string): string {
  return toLocalDateTime(instant, timeZone).slice(0, 10);
}

const LOCAL_PATTERN = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/;

/**
 * Local "YYYY-MM-DD[ HH:MM[:SS]]" in `timeZone` as an ISO 8601 UTC instant. In the hour a
 * DST change repeats, the earlier instant is chosen, as tills print it.
 */
export function fromLocalDateTime(local: string, timeZone: string): string {
  const match = LOCAL_PATTERN.exec(local.trim());
  if (!match) throw new RangeError(`Expected "YYYY-MM-DD HH:MM:SS", got ${JSON.stringify(local)}`);
  const [, y, mo, d, h = '0', mi = '0', s = '0'] = match;
  const wall = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  // Offsets either side of a DST change; keep the candidates that read back as this wall time.
  const offsets = [offsetAt(wall - 43_200_000, timeZone), offsetAt(wall + 43_200_000, timeZone)];
  const candidates = offsets.map((offset) => wall - offset).filter((epochMs) => epochMs + offsetAt(epochMs, timeZone) === wall);
  // A wall time skipped by a spring-forward gap is read with the offset before the change.
  const guess = candidates.length > 0 ? Math.min(...candidates) : wall - offsets[0]!;
  return new Date(guess).toISOString().replace('.000Z', 'Z');
}
