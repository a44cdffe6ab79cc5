/**
 * The webhook route over real HTTP: a Yoga server with the request log and useWebhooks,
 * three configured connections (a Kash one with a webhook secret, a Kash one without, an
 * IncoCloud one) and the in-memory live bus. The webhook never calls the vendor, so no
 * simulator is needed here; test/vendors/kash/webhook.test.ts drives the whole chain.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { createSchema, createYoga } from 'graphql-yoga';
import { request } from 'undici';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createConnections, parseConfig } from '../../src/config.ts';
import { webhookUrl } from '../../src/core/webhooks.ts';
import type { LiveEventInput, LiveEvents, PublishResult } from '../../src/live/events.ts';
import { InMemoryLiveEvents } from '../../src/live/memory-events.ts';
import { useRequestLog } from '../../src/plugins/use-request-log.ts';
import { DEFAULT_WEBHOOK_BODY_BYTES, useWebhooks } from '../../src/plugins/use-webhooks.ts';
import { captureLogger } from '../capture-logger.ts';

const SECRET = 'kash-hook-secret-0123456789';
const FORM = 'application/x-www-form-urlencoded';
const notice = (type: string, orderInternalID = '1001') => new URLSearchParams({ type, orderInternalID, price: '0.3', isRefund: 'false' }).toString();

const connections = createConnections(
  parseConfig({
    connections: [
      { id: 'shop-1', vendor: 'kash', settings: { baseUrl: 'http://127.0.0.1:9', shopId: '1', apiKey: 'k', webhookSecret: SECRET } },
      { id: 'shop-2', vendor: 'kash', settings: { baseUrl: 'http://127.0.0.1:9', shopId: '2', apiKey: 'k' } },
      { id: 'inco', vendor: 'incocloud', settings: { baseUrl: 'http://127.0.0.1:9', appId: 'a', appSecret: 's' } },
    ],
  }),
);

/** The real bus, with every publish call and its result on record. */
class RecordedBus implements Pick<LiveEvents, 'publish'> {
  readonly calls: Array<{ input: LiveEventInput; result: PublishResult }> = [];
  constructor(private readonly bus = new InMemoryLiveEvents()) {}
  async publish(input: LiveEventInput): Promise<PublishResult> {
    const result = await this.bus.publish(input);
    this.calls.push({ input, result });
    return result;
  }
}

let bus: RecordedBus;
let publish: (event: LiveEventInput) => Promise<PublishResult>;
const log = captureLogger();
let server: Server;
let origin: string;

beforeAll(async () => {
  const yoga = createYoga({
    schema: createSchema({ typeDefs: 'type Query { ok: Boolean }' }),
    plugins: [useRequestLog({ logger: log.logger }), useWebhooks({ connections, live: { publish: (event) => publish(event) }, logger: log.logger })],
    logging: false,
  });
  server = createServer(yoga);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

beforeEach(() => {
  bus = new RecordedBus();
  publish = (event) => bus.publish(event);
});

async function post(url: string, body: string | Readable, contentType = FORM, method = 'POST') {
  const response = await request(url, { method, headers: { 'content-type': contentType }, body: method === 'GET' ? undefined : body });
  const text = await response.body.text();
  return { status: response.statusCode, headers: response.headers, body: text === '' ? null : (JSON.parse(text) as unknown) };
}

/** Publishing is not awaited by the handler: wait until the bus has seen `count` calls. */
async function published(count: number): Promise<void> {
  while (bus.calls.length < count) await new Promise((resolve) => setTimeout(resolve, 1));
}

const kashHook = () => webhookUrl(origin, 'kash', 'shop-1', SECRET);

/**
 * Publishing is queued before the answer is sent, in request order: once a marker notice
 * sent afterwards is published, anything the earlier requests published would be there too.
 */
async function expectNothingPublishedBefore(): Promise<void> {
  expect((await post(kashHook(), notice('terminated', '999999'))).status).toBe(204);
  await published(1);
  expect(bus.calls.map((call) => call.input.id)).toEqual(['999999']);
}

describe('accepting a notification', () => {
  it('answers 204 with no body and publishes the event the vendor module read', async () => {
    const response = await post(kashHook(), notice('terminated'));
    expect(response).toMatchObject({ status: 204, body: null });
    await published(1);
    expect(bus.calls).toEqual([
      { input: { type: 'saleCreated', connection: 'shop-1', id: '1001', occurredAt: expect.any(String), via: 'WEBHOOK' }, result: expect.objectContaining({ published: true }) },
    ]);
  });

  it('turns the two notices of one order into one event: the second is a duplicate on the bus', async () => {
    expect((await post(kashHook(), notice('validated', '2002'))).status).toBe(204);
    expect((await post(kashHook(), notice('terminated', '2002'))).status).toBe(204);
    await published(2);
    expect(bus.calls.map((call) => call.result.published)).toEqual([true, false]);
  });

  it('answers before the event is published: a bus that never answers does not hold the vendor', async () => {
    let calls = 0;
    publish = () => {
      calls += 1;
      return new Promise<PublishResult>(() => {});
    };
    expect((await post(kashHook(), notice('terminated'))).status).toBe(204);
    while (calls === 0) await new Promise((resolve) => setTimeout(resolve, 1));
    expect(calls).toBe(1);
  });

  it('answers 204 even when publishing fails, and logs it without the secret', async () => {
    publish = async () => {
      throw new Error('bus down');
    };
    const before = log.lines.length;
    expect((await post(kashHook(), notice('terminated', '3003'))).status).toBe(204);
    while (!log.lines.slice(before).some((line) => line.msg === 'webhook event not published')) await new Promise((resolve) => setTimeout(resolve, 1));
    expect(log.lines.slice(before).find((line) => line.msg === 'webhook event not published')).toMatchObject({ level: 50, connection: 'shop-1', id: '3003' });
  });
});

describe('refusing a request', () => {
  const notFound = { status: 404, body: { error: { code: 'NOT_FOUND' } } };

  it.each([
    ['a wrong secret', () => webhookUrl(origin, 'kash', 'shop-1', `${SECRET}x`)],
    ['no secret', () => `${origin}/webhooks/kash/shop-1`],
    ['an empty secret', () => `${origin}/webhooks/kash/shop-1?secret=`],
    ['an unknown connection', () => webhookUrl(origin, 'kash', 'shop-9', SECRET)],
    ['a connection whose settings have no webhook', () => webhookUrl(origin, 'kash', 'shop-2', SECRET)],
    ['a connection of another vendor', () => webhookUrl(origin, 'incocloud', 'inco', SECRET)],
    ['the right connection under another vendor', () => webhookUrl(origin, 'tactill', 'shop-1', SECRET)],
    ['a longer path', () => `${origin}/webhooks/kash/shop-1/more?secret=${SECRET}`],
    ['a malformed path', () => `${origin}/webhooks/kash/%E0%A4%A?secret=${SECRET}`],
  ])('answers 404 to %s, alike, and publishes nothing', async (_, url) => {
    expect(await post(url(), notice('terminated'))).toMatchObject(notFound);
    await expectNothingPublishedBefore();
  });

  it('answers 405 to another method on a known webhook, reading nothing', async () => {
    const response = await post(kashHook(), '', FORM, 'GET');
    expect(response).toMatchObject({ status: 405, body: { error: { code: 'METHOD_NOT_ALLOWED' } } });
    expect(response.headers.allow).toBe('POST');
  });

  it('answers 400 BAD_WEBHOOK_PAYLOAD to a body the vendor module cannot read, and publishes nothing', async () => {
    const response = await post(kashHook(), new URLSearchParams({ type: 'shipped', orderInternalID: '1' }).toString());
    expect(response).toMatchObject({ status: 400, body: { error: { code: 'BAD_WEBHOOK_PAYLOAD', message: expect.stringMatching(/^type: /) } } });
    expect(response.headers['content-type']).toMatch(/^application\/json/);
    await expectNothingPublishedBefore();
  });

  it('answers 413 to a body over the cap, declared or streamed, and publishes nothing', async () => {
    const large = `${notice('terminated')}&items=${'x'.repeat(DEFAULT_WEBHOOK_BODY_BYTES)}`;
    expect(await post(kashHook(), large)).toMatchObject({ status: 413, body: { error: { code: 'REQUEST_ENTITY_TOO_LARGE' } } });
    // Chunked: no content-length to refuse it by, so the cap applies while reading.
    async function* chunks() {
      yield Buffer.from(notice('terminated'));
      for (let sent = 0; sent <= DEFAULT_WEBHOOK_BODY_BYTES; sent += 8_192) yield Buffer.from(`&x${sent}=${'y'.repeat(8_180)}`);
    }
    expect(await post(kashHook(), Readable.from(chunks()))).toMatchObject({ status: 413, body: { error: { code: 'REQUEST_ENTITY_TOO_LARGE' } } });
    await expectNothingPublishedBefore();
  });

  it('takes a body just under the cap', async () => {
    const body = `${notice('terminated', '4004')}&items=`;
    expect((await post(kashHook(), body + 'x'.repeat(DEFAULT_WEBHOOK_BODY_BYTES - body.length))).status).toBe(204);
  });

  it('leaves every other path to the rest of the server', async () => {
    const response = await request(`${origin}/graphql?query=${encodeURIComponent('{ ok }')}`, { headers: { accept: 'application/json' } });
    expect(response.statusCode).toBe(200);
    expect(await response.body.json()).toEqual({ data: { ok: null } });
  });
});

describe('logging', () => {
  it('logs each webhook request by its path, never the secret', async () => {
    await post(kashHook(), notice('terminated', '5005'));
    await post(webhookUrl(origin, 'kash', 'shop-1', 'a-guessed-secret-value'), notice('terminated'));
    await post(kashHook(), 'type=nope');
    const requests = log.lines.filter((line) => line.msg === 'request' && String(line.path).startsWith('/webhooks/'));
    expect(requests.length).toBeGreaterThanOrEqual(3);
    expect(requests.slice(-3).map((line) => [line.path, line.status])).toEqual([
      ['/webhooks/kash/shop-1', 204],
      ['/webhooks/kash/shop-1', 404],
      ['/webhooks/kash/shop-1', 400],
    ]);
    expect(log.lines.find((line) => line.msg === 'webhook refused')).toMatchObject({ level: 40, connection: 'shop-1', code: 'BAD_WEBHOOK_PAYLOAD' });
    const everything = JSON.stringify(log.lines);
    expect(everything).not.toContain(SECRET);
    expect(everything).not.toContain('a-guessed-secret-value');
  });
});
