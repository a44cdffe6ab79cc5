/**
 * Live updates as the gateway runs them: the event log (in this process, or a Redis Stream
 * shared by the replicas when REDIS_URL is set) and the pollers that feed it, configured by
 * the `live` section of the configuration file.
 */
import type { Redis } from 'ioredis';
import { z } from 'zod';
import type { Connection } from '../core/connection.ts';
import type { Logger } from '../logger.ts';
import type { LiveEvents } from './events.ts';
import { DEFAULT_LOG_CAPACITY, InMemoryLiveEvents } from './memory-events.ts';
import { InMemoryPollState, RedisPollState } from './poll-state.ts';
import { DEFAULT_POLL_INTERVAL_MS, DEFAULT_WEBHOOK_POLL_INTERVAL_MS, LivePoller } from './poller.ts';
import { RedisLiveEvents } from './redis-events.ts';

const Interval = z.number().int().min(100);

export const LiveConfigSchema = z
  .object({
    /** Between two polls of a connection without webhooks. Default 5 000 ms. */
    pollIntervalMs: Interval.optional(),
    /** Between two safety-net polls of a connection whose vendor pushes (webhooks). Default 60 000 ms. */
    webhookPollIntervalMs: z.union([Interval, z.literal(false)]).optional(),
    /** Events kept for Last-Event-ID replay. Default 1 000. */
    replayCapacity: z.number().int().min(1).max(1_000_000).optional(),
    /** Per connection id: its own interval, or false not to poll it. */
    connections: z.record(z.string(), z.object({ pollIntervalMs: z.union([Interval, z.literal(false)]) }).strict()).optional(),
  })
  .strict();

export type LiveSettings = z.infer<typeof LiveConfigSchema>;

/** A problem with the section that the schema alone cannot see (a connection that does not exist), or null. */
export function liveConfigIssue(settings: LiveSettings, connectionIds: ReadonlySet<string>): string | null {
  const unknown = Object.keys(settings.connections ?? {}).find((id) => !connectionIds.has(id));
  return unknown === undefined ? null : `live.connections.${unknown}: no connection "${unknown}"`;
}

export interface Live {
  readonly events: LiveEvents;
  readonly poller: LivePoller;
  /** Resolves when the log follows its store (at once in memory): serve after it. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

export interface LiveOptions {
  readonly connections: ReadonlyMap<string, Connection>;
  readonly settings?: LiveSettings;
  /** The shared Redis connection (src/state); in this process when absent. */
  readonly redis?: Redis;
  readonly logger?: Pick<Logger, 'warn'>;
}

/** Builds the log and its pollers; call `poller.start()` once the gateway serves. */
export function createLive(options: LiveOptions): Live {
  const settings = options.settings ?? {};
  const capacity = settings.replayCapacity ?? DEFAULT_LOG_CAPACITY;
  const redisEvents = options.redis
    ? new RedisLiveEvents({ redis: options.redis, capacity, onReadError: (error) => options.logger?.warn({ err: { message: error.message } }, 'live events: cannot read the shared log; retrying') })
    : undefined;
  const events = redisEvents ?? new InMemoryLiveEvents({ capacity });
  const poller = new LivePoller({
    connections: options.connections,
    events,
    state: options.redis ? new RedisPollState(options.redis) : new InMemoryPollState(),
    intervalMs: settings.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS,
    webhookIntervalMs: settings.webhookPollIntervalMs ?? DEFAULT_WEBHOOK_POLL_INTERVAL_MS,
    perConnection: settings.connections,
    // Vendor errors are GatewayErrors: code and a message already scrubbed of credentials.
    onError: (connection, error) => options.logger?.warn({ connection, err: { code: (error as { code?: string }).code, message: error.message } }, 'live polling failed; backing off'),
  });
  return {
    events,
    poller,
    ready: redisEvents?.ready ?? Promise.resolve(),
    async close() {
      await poller.stop();
      await events.close();
    },
  };
}
