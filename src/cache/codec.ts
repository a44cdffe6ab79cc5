/**
 * Records as text for a shared cache, exactly. JSON alone would turn a Decimal into its
 * string (Decimal.toJSON) and a bigint into an error, and read both back as something else;
 * here each comes back as what it was, with the same units and scale, so a cached record is
 * indistinguishable from one the vendor just sent.
 *
 * Tagged values are one-key objects whose key starts with a single `$` ({"$decimal": …});
 * a record's own keys that start with `$` get one more `$` on the way in and lose it on the
 * way out, so no vendor field can pass for a tag.
 */
import { Decimal } from '../core/money.ts';

export class CacheCodecError extends Error {
  override readonly name = 'CacheCodecError';
  readonly code = 'CACHE_CODEC';
}

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

const TAGS = ['$decimal', '$bigint', '$date', '$undefined'] as const;

export function encodeCacheValue(value: unknown): string {
  return JSON.stringify(toJson(value, 0));
}

export function decodeCacheValue(text: string): unknown {
  return fromJson(JSON.parse(text) as Json);
}

const MAX_DEPTH = 64;

function toJson(value: unknown, depth: number): Json {
  if (depth > MAX_DEPTH) throw new CacheCodecError(`A cached value may nest at most ${MAX_DEPTH} levels`);
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return value;
  if (typeof value === 'number') {
    // JSON has no NaN or Infinity; a record carrying one cannot be cached faithfully.
    if (!Number.isFinite(value)) throw new CacheCodecError(`Cannot cache the number ${value}`);
    return value;
  }
  if (typeof value === 'bigint') return { $bigint: value.toString() };
  if (value === undefined) return { $undefined: 1 };
  if (value instanceof Decimal) return { $decimal: [value.units.toString(), value.scale] };
  if (value instanceof Date) return { $date: value.toISOString() };
  if (Array.isArray(value)) return value.map((item) => toJson(item, depth + 1));
  if (typeof value === 'object') {
    const prototype = Object.getPrototypeOf(value) as unknown;
    if (prototype !== Object.prototype && prototype !== null) {
      throw new CacheCodecError(`Cannot cache an instance of ${(value as object).constructor?.name ?? 'an unknown class'}`);
    }
    const out: Record<string, Json> = {};
    for (const [key, item] of Object.entries(value)) {
      // An absent optional field and one set to undefined read the same; keep the record small.
      if (item === undefined) continue;
      define(out, key.startsWith('$') ? `$${key}` : key, toJson(item, depth + 1));
    }
    return out;
  }
  throw new CacheCodecError(`Cannot cache a ${typeof value}`);
}

function fromJson(value: Json): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map(fromJson);
  const keys = Object.keys(value);
  if (keys.length === 1 && (TAGS as readonly string[]).includes(keys[0]!)) return fromTag(keys[0] as (typeof TAGS)[number], value[keys[0]!]!);
  const out: Record<string, unknown> = {};
  for (const key of keys) define(out, key.startsWith('$') ? key.slice(1) : key, fromJson(value[key]!));
  return out;
}

/** Sets an own property, even one named `__proto__`, which plain assignment would not. */
function define(target: object, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

function fromTag(tag: (typeof TAGS)[number], payload: Json): unknown {
  switch (tag) {
    case '$decimal': {
      const [units, scale] = payload as [string, number];
      return Decimal.of(BigInt(units), scale);
    }
    case '$bigint':
      return BigInt(payload as string);
    case '$date':
      return new Date(payload as string);
    case '$undefined':
      return undefined;
  }
}
