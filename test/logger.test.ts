import { describe, expect, it } from 'vitest';
import { createLogger, defaultLogLevel, yogaLogger } from '../src/logger.ts';
import { captureLogger } from './capture-logger.ts';


describe('the logger', () => {
  it('writes one JSON object per line with level, time, message and service', () => {
    const { logger, lines } = captureLogger();
    logger.info({ reqId: 'r-1' }, 'request');
    expect(lines).toEqual([expect.objectContaining({ level: 30, msg: 'request', reqId: 'r-1', service: 'posgraph', time: expect.any(Number) })]);
  });

  it('censors secret-named fields, at any depth and in headers', () => {
    const { logger, lines } = captureLogger();
    logger.info({ token: 't-1', settings: { apiKey: 'k-1', api_key: 'k-2', secret_key: 's-1' }, req: { headers: { authorization: 'Bearer b-1', 'x-api-key': 'v5_x' } } }, 'config');
    const text = JSON.stringify(lines);
    for (const secret of ['t-1', 'k-2', 's-1', 'b-1', 'v5_x']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({ token: '[redacted]', req: { headers: { authorization: '[redacted]', 'x-api-key': '[redacted]' } } });
  });

  it('scrubs credentials out of messages, URLs and errors, stack included', () => {
    const { logger, lines } = captureLogger();
    const error = new Error('GET https://incocloud.example/api/sale?token=abc123&from=1 failed');
    logger.error({ err: error, url: 'https://caisse.example/workers/getOrders.php?key=k-9&idboutique=4' }, 'upstream failed: signature=SIG1');
    const text = JSON.stringify(lines);
    for (const secret of ['abc123', 'k-9', 'SIG1']) expect(text).not.toContain(secret);
    expect(lines[0]).toMatchObject({
      msg: 'upstream failed: signature=[redacted]',
      url: 'https://caisse.example/workers/getOrders.php?key=[redacted]&idboutique=4',
      err: { type: 'Error', message: 'GET https://incocloud.example/api/sale?token=[redacted]&from=1 failed', stack: expect.stringContaining('token=[redacted]') },
    });
  });

  it('gives Yoga a logger whose errors go through the same scrubbing', () => {
    const { logger, lines } = captureLogger();
    yogaLogger(logger).error(new Error('connect ECONNREFUSED http://127.0.0.1:4102/x?key=k-7'));
    expect(lines[0]).toMatchObject({ level: 50, msg: 'unexpected error', err: { message: 'connect ECONNREFUSED http://127.0.0.1:4102/x?key=[redacted]' } });
  });

  it('is silent under vitest and at info otherwise, unless LOG_LEVEL says', () => {
    expect(defaultLogLevel({ VITEST: 'true' })).toBe('silent');
    expect(defaultLogLevel({})).toBe('info');
    expect(defaultLogLevel({ VITEST: 'true', LOG_LEVEL: 'debug' })).toBe('debug');
    expect(createLogger().level).toBe(process.env.LOG_LEVEL ?? 'silent');
  });
});
