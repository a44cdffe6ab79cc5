import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { API_KEY_HASH, hashApiKey, TenantDirectory } from '../../src/core/tenants.ts';
import { createContext, type GatewayServices } from '../../src/context.ts';
import { InMemoryIdempotencyStore } from '../../src/core/idempotency.ts';
import type { WriteOutcome } from '../../src/core/write-once.ts';

const directory = new TenantDirectory([
  { id: 'acme', name: 'Acme', apiKeys: [hashApiKey('acme-1'), hashApiKey('acme-2')], connections: ['a'] },
  { id: 'globex', name: 'Globex', apiKeys: [hashApiKey('globex-1')], connections: ['b'] },
]);

describe('TenantDirectory', () => {
  it('finds the tenant of any of its keys, given as a Bearer token', () => {
    expect(directory.authenticate('Bearer acme-1')?.id).toBe('acme');
    expect(directory.authenticate('bearer acme-2')?.id).toBe('acme');
    expect(directory.authenticate('Bearer  globex-1 ')?.id).toBe('globex');
  });

  it('finds no tenant without a header, for another scheme, a bare key or an unknown key', () => {
    for (const header of [null, undefined, '', 'Bearer', 'Bearer ', 'acme-1', 'Basic acme-1', 'Bearer acme-1 extra', 'Bearer ACME-1']) {
      expect(directory.authenticate(header), String(header)).toBeUndefined();
    }
  });

  it('keeps only the hash: the tenant it hands out carries no key', () => {
    const tenant = directory.authenticate('Bearer acme-1');
    expect(JSON.stringify(tenant)).not.toContain('sha256');
    expect(tenant).toEqual({ id: 'acme', name: 'Acme', connections: ['a'] });
  });

  it('hashes any key to the form the configuration takes, and never to another key’s hash', () => {
    fc.assert(
      fc.property(fc.string({ minLength: 1 }), fc.string({ minLength: 1 }), (a, b) => {
        expect(hashApiKey(a)).toMatch(API_KEY_HASH);
        expect(hashApiKey(a) === hashApiKey(b)).toBe(a === b);
      }),
    );
  });
});

describe('createContext', () => {
  const services: GatewayServices = { connections: new Map(), idempotency: new InMemoryIdempotencyStore<WriteOutcome<unknown>>() };

  it('refuses a request that authenticated as no tenant instead of serving it as the open tenant', () => {
    expect(() => createContext(services, undefined, null)).toThrow(expect.objectContaining({ extensions: expect.objectContaining({ code: 'UNAUTHENTICATED' }) }));
    expect(createContext(services).tenant).toBe('default');
  });
});
