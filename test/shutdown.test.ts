/**
 * The graceful stop, in process: a real node:http server on a loopback port, real clients,
 * and handlers that answer only when the test says so — so "in flight" is a fact, not a race.
 */
import { EventEmitter } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { Client } from 'undici';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { TenantDirectory } from '../src/core/tenants.ts';
import { createGateway } from '../src/server.ts';
import { DEFAULT_SHUTDOWN_GRACE_MS, GracefulServer, shutDown, shutdownGraceMs, stopGracefullyOnSignals, type ShutdownLog } from '../src/shutdown.ts';

interface Held {
  readonly path: string;
  release(): void;
  /** Starts the answer (status, headers) if needed and sends a chunk, keeping it open. */
  write(chunk: string): void;
}

/** A server whose every request waits until the test releases it; `arrived` resolves per request. */
async function startHeldServer(): Promise<{ server: Server; graceful: GracefulServer; origin: string; port: number; nextArrival(): Promise<Held>; sockets: { opened: number; closed: number } }> {
  const waiting: Array<(held: Held) => void> = [];
  const arrived: Held[] = [];
  const sockets = { opened: 0, closed: 0 };
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const held: Held = {
      path: request.url ?? '/',
      release: () => response.end(`answer to ${request.url}`),
      write: (chunk) => {
        if (!response.headersSent) response.writeHead(200, { 'content-type': 'text/event-stream' });
        response.write(chunk);
      },
    };
    const next = waiting.shift();
    if (next) next(held);
    else arrived.push(held);
  });
  // No keep-alive timeout: an idle connection closes only when the drain closes it.
  server.keepAliveTimeout = 0;
  server.on('connection', (socket) => {
    sockets.opened += 1;
    socket.on('close', () => (sockets.closed += 1));
  });
  const graceful = new GracefulServer(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    graceful,
    port,
    origin: `http://127.0.0.1:${port}`,
    sockets,
    nextArrival: () => (arrived.length > 0 ? Promise.resolve(arrived.shift()!) : new Promise((resolve) => waiting.push(resolve))),
  };
}

function connectionRefused(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve('connected');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}

function recordingLog(): ShutdownLog & { lines: Array<[string, Record<string, unknown>]> } {
  const lines: Array<[string, Record<string, unknown>]> = [];
  return { lines, info: (fields, message) => lines.push([message, fields]), error: (fields, message) => lines.push([message, fields]) };
}

const cleanups: Array<() => Promise<unknown>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => {});
});

function track<T extends { close(): Promise<unknown> }>(closable: T): T {
  cleanups.push(() => closable.close());
  return closable;
}

function stopServer(server: Server): void {
  cleanups.push(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  });
}

describe('GracefulServer.drain', () => {
  it('lets a request in flight finish with its whole answer while new connections are refused', async () => {
    const { server, graceful, origin, port, nextArrival } = await startHeldServer();
    stopServer(server);
    const client = track(new Client(origin));
    const answer = client.request({ method: 'GET', path: '/slow' });
    const held = await nextArrival();

    expect(graceful.ready).toBe(true);
    const drained = graceful.drain(10_000);
    expect(graceful.ready).toBe(false);
    expect(graceful.inFlight).toBe(1);
    expect(await connectionRefused(port)).toBe('ECONNREFUSED');

    held.release();
    const response = await answer;
    expect(response.statusCode).toBe(200);
    expect(response.headers.connection).toBe('close');
    expect(await response.body.text()).toBe('answer to /slow');
    expect(await drained).toEqual({ finished: 1, cut: 0 });
    expect(server.listening).toBe(false);
  });

  it('serves a request that arrives on a kept-alive connection while draining, and closes that connection behind it', async () => {
    const { server, graceful, origin, nextArrival, sockets } = await startHeldServer();
    stopServer(server);
    const slow = track(new Client(origin));
    const keptAlive = track(new Client(origin, { keepAliveTimeout: 60_000 }));
    const warmUp = keptAlive.request({ method: 'GET', path: '/warm-up' });
    (await nextArrival()).release();
    expect((await (await warmUp).body.text())).toBe('answer to /warm-up');

    const slowAnswer = slow.request({ method: 'GET', path: '/slow' });
    const slowHeld = await nextArrival();
    const drained = graceful.drain(10_000);

    const late = keptAlive.request({ method: 'GET', path: '/late' });
    const lateHeld = await nextArrival();
    expect(lateHeld.path).toBe('/late');
    lateHeld.release();
    const lateResponse = await late;
    expect(lateResponse.headers.connection).toBe('close');
    expect(await lateResponse.body.text()).toBe('answer to /late');

    slowHeld.release();
    expect(await (await slowAnswer).body.text()).toBe('answer to /slow');
    expect(await drained).toEqual({ finished: 2, cut: 0 });
    await vi.waitFor(() => expect(sockets).toEqual({ opened: 2, closed: 2 }));
  });

  it('closes idle keep-alive connections at once when nothing is in flight', async () => {
    const { server, graceful, origin, nextArrival, sockets } = await startHeldServer();
    stopServer(server);
    const client = track(new Client(origin, { keepAliveTimeout: 60_000 }));
    const answer = client.request({ method: 'GET', path: '/one' });
    (await nextArrival()).release();
    await (await answer).body.text();
    expect(sockets).toEqual({ opened: 1, closed: 0 });

    // A long grace period: only closing the idle connection can let the drain end now.
    expect(await graceful.drain(600_000)).toEqual({ finished: 0, cut: 0 });
    await vi.waitFor(() => expect(sockets).toEqual({ opened: 1, closed: 1 }));
  });

  it('cuts the requests still running when the grace period ends', async () => {
    const { server, graceful, origin, nextArrival } = await startHeldServer();
    stopServer(server);
    const client = track(new Client(origin));
    const answer = client.request({ method: 'GET', path: '/never' });
    await nextArrival();

    expect(await graceful.drain(50)).toEqual({ finished: 0, cut: 1 });
    await expect(answer).rejects.toMatchObject({ code: 'UND_ERR_SOCKET' });
  });

  it('drains once however often it is asked, and refuses a negative grace period', async () => {
    const { graceful } = await startHeldServer();
    expect(() => graceful.drain(-1)).toThrow(/graceMs must be a non-negative number of milliseconds, got -1/);
    const first = graceful.drain(0);
    expect(graceful.drain(10_000)).toBe(first);
    expect(await first).toEqual({ finished: 0, cut: 0 });
  });
});

describe('event streams', () => {
  it('are dropped as the drain starts, without an end, so their clients reconnect elsewhere; plain requests still finish', async () => {
    const { server, graceful, origin, nextArrival } = await startHeldServer();
    stopServer(server);
    const stream = track(new Client(origin));
    const subscribing = stream.request({ method: 'POST', path: '/graphql', headers: { accept: 'text/event-stream' } });
    const streamHeld = await nextArrival();
    // The stream has started (headers and a first event sent); the plain request has not.
    streamHeld.write('event: next\ndata: {}\n\n');
    const subscription = await subscribing;
    const plain = track(new Client(origin));
    const answer = plain.request({ method: 'GET', path: '/in-flight' });
    const plainHeld = await nextArrival();
    let received = '';
    const ended = (async () => {
      for await (const chunk of subscription.body) received += String(chunk);
    })();
    await vi.waitFor(() => expect(received).toContain('event: next'));

    const log = recordingLog();
    const stopped = shutDown('SIGTERM', { graceful, log, graceMs: 10_000 });
    // Cut, not completed: the client sees its connection lost, never a `complete` event.
    await expect(ended).rejects.toThrow();
    expect(received).not.toContain('complete');
    expect(log.lines.find(([message]) => message === 'event streams dropped')?.[1]).toEqual({ dropped: 1 });

    plainHeld.release();
    expect((await answer).statusCode).toBe(200);
    expect(await stopped).toBe(0);
  });
});

describe('GET /ready', () => {
  it('answers 200 while serving and 503 while draining, without an API key, while /health stays 200', async () => {
    let ready = true;
    const gateway = createGateway({ connections: new Map(), tenants: new TenantDirectory([]), ready: () => ready, logger: undefined });
    expect((await gateway.fetch('http://localhost/ready')).status).toBe(200);
    ready = false;
    expect((await gateway.fetch('http://localhost/ready')).status).toBe(503);
    expect((await gateway.fetch('http://localhost/health')).status).toBe(200);
    // The key check still guards everything else.
    const query = await gateway.fetch('http://localhost/graphql', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    expect(query.status).toBe(401);
  });

  it('is always ready when the gateway is not told otherwise', async () => {
    const gateway = createGateway({ connections: new Map() });
    expect((await gateway.fetch('http://localhost/ready')).status).toBe(200);
  });
});

describe('stopGracefullyOnSignals', () => {
  it('on SIGTERM drains, then closes the resources in order, then exits 0', async () => {
    const { server, graceful, origin, nextArrival } = await startHeldServer();
    stopServer(server);
    const signals = new EventEmitter();
    const events: string[] = [];
    const exited = new Promise<number>((resolve) => {
      stopGracefullyOnSignals({
        graceful,
        log: recordingLog(),
        signals,
        exit: resolve,
        resources: [
          { name: 'pools', close: async () => void events.push(`pools closed, server listening: ${server.listening}`) },
          { name: 'simulators', close: async () => void events.push('simulators closed') },
        ],
      });
    });
    const client = track(new Client(origin));
    const answer = client.request({ method: 'GET', path: '/in-flight' });
    const held = await nextArrival();

    signals.emit('SIGTERM');
    expect(graceful.draining).toBe(true);
    expect(events).toEqual([]);
    held.release();
    expect((await answer).statusCode).toBe(200);
    expect(await exited).toBe(0);
    expect(events).toEqual(['pools closed, server listening: false', 'simulators closed']);
  });

  it('exits at once on a second signal, with 128 + its number, while the first is still draining', async () => {
    const { server, graceful, origin, nextArrival } = await startHeldServer();
    stopServer(server);
    const signals = new EventEmitter();
    const codes: number[] = [];
    const log = recordingLog();
    const closed: string[] = [];
    stopGracefullyOnSignals({ graceful, log, signals, exit: (code) => codes.push(code), resources: [{ name: 'pools', close: async () => void closed.push('pools') }] });
    const client = track(new Client(origin));
    const answer = client.request({ method: 'GET', path: '/held' });
    const held = await nextArrival();

    signals.emit('SIGINT');
    signals.emit('SIGINT');
    expect(codes).toEqual([130]);
    expect(log.lines.map(([message, fields]) => [message, fields.signal])).toEqual([
      ['draining', 'SIGINT'],
      ['second signal: exiting now', 'SIGINT'],
    ]);
    expect(closed).toEqual([]);
    held.release();
    await (await answer).body.text();
  });

  it('closes the other resources when one fails, logs which, and exits 1', async () => {
    const { graceful } = await startHeldServer();
    const log = recordingLog();
    const closed: string[] = [];
    const code = await shutDown('SIGTERM', {
      graceful,
      log,
      resources: [
        { name: 'shared state', close: async () => Promise.reject(new Error('connection reset')) },
        { name: 'simulators', close: async () => void closed.push('simulators') },
      ],
    });
    expect(code).toBe(1);
    expect(closed).toEqual(['simulators']);
    expect(log.lines.find(([message]) => message === 'close failed')?.[1]).toMatchObject({ resource: 'shared state', err: expect.objectContaining({ message: 'connection reset' }) });
    expect(log.lines.at(-1)).toEqual(['stopped', { code: 1 }]);
  });
});

describe('SHUTDOWN_GRACE_MS', () => {
  it('is 10 s unless set, and must be a whole number of milliseconds', () => {
    expect(DEFAULT_SHUTDOWN_GRACE_MS).toBe(10_000);
    expect(shutdownGraceMs({})).toBe(10_000);
    expect(shutdownGraceMs({ SHUTDOWN_GRACE_MS: '2500' })).toBe(2500);
    expect(shutdownGraceMs({ SHUTDOWN_GRACE_MS: '0' })).toBe(0);
    for (const bad of ['-1', '1.5', 'ten', '10s']) {
      expect(() => shutdownGraceMs({ SHUTDOWN_GRACE_MS: bad }), bad).toThrow(`SHUTDOWN_GRACE_MS must be a whole number of milliseconds, got "${bad}"`);
    }
  });
});
