/**
 * The `live` section of the configuration file, and what createLive builds from it.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ConfigError, createConnections, parseConfig } from '../../src/config.ts';
import { InMemoryLiveEvents } from '../../src/live/memory-events.ts';
import { InMemoryPollState } from '../../src/live/poll-state.ts';
import { createLive } from '../../src/live/setup.ts';

const demoFile = JSON.parse(readFileSync('config/demo.json', 'utf8')) as Record<string, unknown>;

function parse(live: unknown) {
  return parseConfig({ ...demoFile, live });
}

describe('the live configuration section', () => {
  it('sets the polling interval, per connection overrides and the replay size', () => {
    const config = parse({ pollIntervalMs: 2_000, replayCapacity: 50, connections: { 'demo-icash': { pollIntervalMs: false }, 'demo-kash': { pollIntervalMs: 500 } } });
    expect(config.live).toEqual({ pollIntervalMs: 2_000, replayCapacity: 50, connections: { 'demo-icash': { pollIntervalMs: false }, 'demo-kash': { pollIntervalMs: 500 } } });
    const live = createLive({ connections: createConnections(config), settings: config.live });
    expect(Object.fromEntries(live.poller.schedule)).toEqual({ 'demo-incocloud': 2_000, 'demo-kash': 500, 'demo-tactill': 2_000 });
    // Without a Redis connection (REDIS_URL unset) the log and the cursors live in this process.
    expect(live.events).toBeInstanceOf(InMemoryLiveEvents);
    expect((live.poller as unknown as { options: { state: unknown } }).options.state).toBeInstanceOf(InMemoryPollState);
    return live.close();
  });

  it('refuses an override for a connection that does not exist, an interval under 100 ms and unknown keys', () => {
    expect(() => parse({ connections: { nope: { pollIntervalMs: 1_000 } } })).toThrow('live.connections.nope: no connection "nope"');
    expect(() => parse({ pollIntervalMs: 10 })).toThrow(/live\.pollIntervalMs/);
    expect(() => parse({ pollEvery: 1_000 })).toThrow(/live/);
    expect(() => parse({ pollEvery: 1_000 })).toThrow(ConfigError);
  });
});
