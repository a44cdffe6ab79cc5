/**
 * The gateway's JSON logs as an operator reads them (issue 8): one line per request with its
 * request id (the caller's, or a new one, echoed), tenant, operation, status and duration; a
 * `vendor failure` line per failed vendor with the same request id; and no credential
 * anywhere — not the caller's API key, not a vendor's token, key or secret.
 */
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashApiKey, TenantDirectory } from '../../src/core/tenants.ts';
import { captureLogger } from '../capture-logger.ts';
import { startTestStack, type TestStack } from '../e2e/harness.ts';
import { SALES, SALES_ROUTE } from '../faults/support.ts';
import { demoCredentials } from './support.ts';

const API_KEY = 'secret-key-123';

describe('request logs with a tenant and a failing vendor', () => {
  let stack: TestStack;
  let lines: Array<Record<string, unknown>>;

  async function post(headers: Record<string, string>): Promise<{ status: number; requestId: string | undefined; body: { errors?: Array<{ extensions?: Record<string, unknown> }> } }> {
    const response = await request(stack.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json', ...headers },
      body: JSON.stringify({ query: SALES, variables: { first: 5 } }),
    });
    return { status: response.statusCode, requestId: response.headers['x-request-id'] as string | undefined, body: (await response.body.json()) as never };
  }

  beforeAll(async () => {
    const capture = captureLogger('debug');
    lines = capture.lines;
    const tenants = new TenantDirectory([{ id: 'acme', name: 'Acme', apiKeys: [hashApiKey(API_KEY)] }]);
    stack = await startTestStack({ sales: 30, resilience: { retry: { maxAttempts: 1 } }, gateway: { tenants, logger: capture.logger } });
  });
  afterAll(() => stack.close());

  it('logs the request and each vendor failure under one request id, with the tenant, and never a secret', async () => {
    // IncoCloud's token travels in its URLs' query strings; a cut connection's error quotes the URL.
    stack.demo.simulators.incocloud.addFault({ route: SALES_ROUTE.incocloud, resetConnection: true });
    stack.demo.simulators.kash.addFault({ route: SALES_ROUTE.kash, errorRate: 1, errorStatus: 500 });
    const response = await post({ authorization: `Bearer ${API_KEY}`, 'x-request-id': 'till-7.req-42' });
    expect(response.status).toBe(200);
    expect(response.requestId).toBe('till-7.req-42');
    expect(response.body.errors?.map((error) => error.extensions?.vendor).sort()).toEqual(['incocloud', 'kash']);

    const failures = lines.filter((line) => line.msg === 'vendor failure');
    expect(failures).toEqual([
      expect.objectContaining({ level: 40, reqId: 'till-7.req-42', tenant: 'acme', vendor: expect.any(String), connection: expect.any(String), code: expect.any(String), message: expect.any(String) }),
      expect.objectContaining({ level: 40, reqId: 'till-7.req-42', tenant: 'acme' }),
    ]);
    expect(failures.map((line) => [line.vendor, line.connection]).sort()).toEqual([['incocloud', 'demo-incocloud'], ['kash', 'demo-kash']]);
    expect(lines.filter((line) => line.msg === 'request')).toEqual([
      expect.objectContaining({ level: 30, reqId: 'till-7.req-42', tenant: 'acme', operationName: 'Sales', status: 200, durationMs: expect.any(Number), codes: expect.arrayContaining(['VENDOR_UNAVAILABLE']) }),
    ]);

    const logged = JSON.stringify(lines);
    expect(logged).not.toContain(API_KEY);
    const credentials = demoCredentials(stack);
    expect(credentials.length).toBeGreaterThanOrEqual(4);
    for (const secret of credentials) expect(logged).not.toContain(secret);
    // Whatever a URL in a line carries in its query string, a token is not readable there.
    expect(logged).not.toMatch(/token=(?!\[redacted\])/);
    stack.resetSimulators();
  });

  it('gives a request without its own id a new one, and logs a refused key without the key', async () => {
    lines.length = 0;
    const refused = await post({ authorization: 'Bearer wrong-secret-456', 'x-request-id': 'bad id with spaces' });
    expect(refused.status).toBe(401);
    expect(refused.requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines).toEqual([expect.objectContaining({ msg: 'request', reqId: refused.requestId, status: 401 })]);
    expect(lines[0]).not.toHaveProperty('tenant');
    expect(JSON.stringify(lines)).not.toContain('wrong-secret-456');
  });
});

describe('what redaction covers', () => {
  it('censors authorization headers, API keys, tokens, secrets and passwords by name, in any casing, and `token=` in URLs and text', () => {
    const { logger, lines } = captureLogger('info');
    logger.info(
      {
        req: { headers: { authorization: 'Bearer h-1', cookie: 'sid=h-2' } },
        settings: { appSecret: 's-1', apiKey: 's-2', secret_key: 's-3', webhookSecret: 's-4', password: 's-5', dbPassword: 's-6', accessToken: 's-7', refresh_token: 's-8' },
        url: 'http://vendor.example/api/sale?token=s-9&from=2026-01-01',
      },
      'calling GET /api/sale?token=s-10 with Authorization: Bearer s-11',
    );
    const text = JSON.stringify(lines);
    for (const secret of ['h-1', 'h-2', 's-1', 's-2', 's-3', 's-4', 's-5', 's-6', 's-7', 's-8', 's-9', 's-10', 's-11']) expect(text, secret).not.toMatch(new RegExp(`${secret}(?!\\d)`));
    expect(lines[0]).toMatchObject({ settings: { appSecret: '[redacted]', webhookSecret: '[redacted]' }, url: 'http://vendor.example/api/sale?token=[redacted]&from=2026-01-01' });
  });
});
