import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mapEach } from '../../src/core/adapter.ts';

describe('mapEach', () => {
  it('keeps every record that maps and rejects each one that does not, whatever the input', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.record({ id: fc.nat(), name: fc.string() }), fc.anything())), (raws) => {
        const { records, rejected } = mapEach(
          raws,
          (raw) => {
            const value = raw as { id?: unknown; name?: unknown };
            if (typeof value?.id !== 'number' || typeof value.name !== 'string') throw new Error('not an item');
            return { id: String(value.id), name: value.name };
          },
          (raw) => (typeof (raw as { id?: unknown })?.id === 'number' ? String((raw as { id: number }).id) : null),
        );
        expect(records.length + rejected.length).toBe(raws.length);
        expect(rejected.every((rejection) => rejection.reason === 'not an item')).toBe(true);
      }),
    );
  });
});
