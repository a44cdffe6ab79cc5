import { describe, expect, it } from 'vitest';
import type { Connection } from '../../src/core/connection.ts';
import { encodeGlobalId } from '../../src/core/ids.ts';
import { createGateway } from '../../src/server.ts';
import { captureLogger } from '../capture-logger.ts';

// What a careless HTTP client or adapter bug might put in an exception: the upstream URL with
// its token, a credential header and a stack.
const LEAKY = 'socket hang up GET https://incocloud.example/server-sim/connect/api/item?token=tok-s3cret-42 (X-Api-Key: v5_live_key)';
const SECRETS = ['tok-s3cret-42', 'v5_live_key', 'incocloud.example', 'server-sim'];

/** A connection whose adapter throws a plain Error, as a bug in it would. */
function brokenConnection(): Connection {
  const fail = async (): Promise<never> => {
    throw new Error(LEAKY);
  };
  return {
    id: 'shop',
    name: 'Shop',
    vendor: 'incocloud',
    adapter: { vendor: 'incocloud', currency: 'EUR', sources: { item: { list: fail, batch: { strategy: 'byIds', maxBatchSize: 100, load: fail } } } },
  };
}

function gateway() {
  const { logger, lines } = captureLogger('error');
  const yoga = createGateway({ connections: new Map([['shop', brokenConnection()]]), logger });
  const query = async (text: string) => {
    const response = await yoga.fetch('http://localhost/graphql', {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
      body: JSON.stringify({ query: text }),
    });
    return { status: response.status, text: await response.text() };
  };
  return { query, lines };
}

describe('unexpected errors', () => {
  it('reach the client as "Unexpected error." with no stack, URL or credential', async () => {
    const { query } = gateway();
    const id = encodeGlobalId({ type: 'Item', connection: 'shop', id: '1' });
    const response = await query(`{ node(id: "${id}") { id } }`);
    expect(JSON.parse(response.text)).toEqual({ data: { node: null }, errors: [{ message: 'Unexpected error.', locations: [{ line: 1, column: 3 }], path: ['node'], extensions: { code: 'INTERNAL_SERVER_ERROR' } }] });
    for (const secret of [...SECRETS, 'stack', 'socket hang up', '.ts:']) expect(response.text).not.toContain(secret);
  });

  it('in a merged list, fail the source with a generic message and leak nothing', async () => {
    const { query } = gateway();
    const response = await query('{ items { sources { status error { code message } } edges { node { name } } } }');
    const body = JSON.parse(response.text) as { data: { items: { sources: unknown[] } }; errors: Array<{ extensions: { code: string } }> };
    expect(body.data.items.sources).toEqual([{ status: 'FAILED', error: { code: 'INTERNAL_SERVER_ERROR', message: expect.not.stringContaining('socket') } }]);
    for (const secret of [...SECRETS, 'socket hang up', '.ts:']) expect(response.text).not.toContain(secret);
  });

  it('are logged for the operators, with the credentials scrubbed', async () => {
    const { query, lines } = gateway();
    await query(`{ node(id: "${encodeGlobalId({ type: 'Item', connection: 'shop', id: '1' })}") { id } }`);
    const logged = JSON.stringify(lines);
    expect(logged).toContain('socket hang up');
    expect(logged).toContain('token=[redacted]');
    for (const secret of ['tok-s3cret-42', 'v5_live_key']) expect(logged).not.toContain(secret);
  });
});
