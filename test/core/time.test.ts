import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromLocalDateTime, toLocalDateTime } from '../../src/core/time.ts';

describe('vendor local time', () => {
  it('converts an instant to Sofia wall-clock time and back', () => {
    expect(toLocalDateTime('2026-11-20T07:09:54Z', 'Europe/Sofia')).toBe('2026-11-20 09:09:54');
    expect(fromLocalDateTime('2026-07-02 02:30:00', 'Europe/Sofia')).toBe('2026-07-01T23:30:00Z');
  });

  it('round-trips every instant, choosing the earlier one in the repeated autumn hour', () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(2020, 0, 1) / 1000, max: Date.UTC(2030, 0, 1) / 1000 }), (seconds) => {
        const instant = new Date(seconds * 1000).toISOString().replace('.000Z', 'Z');
        const local = toLocalDateTime(instant, 'Europe/Paris');
        const back = fromLocalDateTime(local, 'Europe/Paris');
        expect(toLocalDateTime(back, 'Europe/Paris')).toBe(local);
        expect(Date.parse(back)).toBeLessThanOrEqual(Date.parse(instant));
      }),
    );
    expect(fromLocalDateTime('2026-10-25 03:30:00', 'Europe/Sofia')).toBe('2026-10-25T00:30:00Z');
  });

  it('rejects what is not a local date-time', () => {
    expect(() => fromLocalDateTime('20/11/2026', 'Europe/Sofia')).toThrow(/YYYY-MM-DD/);
  });
});
