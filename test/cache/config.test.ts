import { describe, expect, it } from 'vitest';
import { ConfigError, parseConfig } from '../../src/config.ts';

const connections = [{ id: 'shop', vendor: 'tactill', settings: { baseUrl: 'http://127.0.0.1:1/v0', apiKey: 'k' } }];

describe('the configuration file\'s cache object', () => {
  it('is optional, and passes its settings on', () => {
    expect(parseConfig({ connections }).cache).toBeUndefined();
    expect(parseConfig({ connections, cache: { enabled: false, ttlSeconds: { item: 600, sale: 0 }, maxEntries: 500 } }).cache).toEqual({ enabled: false, ttlSeconds: { item: 600, sale: 0 }, maxEntries: 500 });
  });

  it('names what is wrong', () => {
    expect(() => parseConfig({ connections, cache: { ttlSeconds: { item: -5 } } })).toThrow(ConfigError);
    expect(() => parseConfig({ connections, cache: { ttlSeconds: { widget: 5 } } })).toThrow(/cache\.ttlSeconds/);
    expect(() => parseConfig({ connections, cache: { maxEntries: 0 } })).toThrow(/cache\.maxEntries/);
  });
});
