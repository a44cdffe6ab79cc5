/**
 * Event ids have the shape of Redis stream ids, `<epoch ms>-<sequence>`, whichever log
 * assigns them, so they order the same way everywhere and an id from an earlier life of an
 * in-memory log sorts before every id of the current one (a client that comes back after a
 * restart is replayed all the log holds, not nothing).
 */

export interface EventIdParts {
  readonly ms: number;
  readonly seq: number;
}

const EVENT_ID = /^(\d{1,15})-(\d{1,15})$/;

/** The parts of an event id; null for anything else (a client may send any Last-Event-ID). */
export function parseEventId(id: string): EventIdParts | null {
  const match = EVENT_ID.exec(id.trim());
  return match ? { ms: Number(match[1]), seq: Number(match[2]) } : null;
}

export function compareEventIds(a: EventIdParts, b: EventIdParts): number {
  return a.ms - b.ms || a.seq - b.seq;
}

export function formatEventId(parts: EventIdParts): string {
  return `${parts.ms}-${parts.seq}`;
}

/** Increasing ids: the clock's millisecond, or the last one's with the next sequence if the clock has not moved on. */
export class EventIdClock {
  private last: EventIdParts = { ms: 0, seq: 0 };

  constructor(private readonly now: () => number = Date.now) {}

  next(): string {
    const ms = this.now();
    this.last = ms > this.last.ms ? { ms, seq: 0 } : { ms: this.last.ms, seq: this.last.seq + 1 };
    return formatEventId(this.last);
  }
}
