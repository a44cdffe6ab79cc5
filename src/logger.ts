/**
 * Structured JSON logs (pino). Credentials must never reach a log line: fields named like a
 * secret are censored by pino's `redact` paths, and every string — messages, error messages
 * and stacks, URLs — goes through core/redact.ts, because vendor URLs carry tokens in their
 * query strings (IncoCloud's `token`, Kash's `key`) and upstream errors quote those URLs.
 *
 * The level comes from `LOG_LEVEL`: `info` by default, `silent` under vitest so test output
 * stays readable (set LOG_LEVEL to see the logs of a test run).
 */
import type { YogaLogger } from 'graphql-yoga';
import { pino, stdSerializers, type DestinationStream, type Logger } from 'pino';
import { SECRET_NAMES, isSecretName, redactText, redactUrl } from './core/redact.ts';

export type { Logger } from 'pino';

export interface LoggerOptions {
  /** pino level name; `LOG_LEVEL`, else `silent` under vitest, else `info`. */
  readonly level?: string;
  /** Where lines go; stdout unless given (tests pass a stream they read). */
  readonly destination?: DestinationStream;
}

const CENSOR = '[redacted]';

/** pino paths (fast-redact syntax) for secret-named fields at the top, one level down, and in headers. */
export const REDACT_PATHS: readonly string[] = SECRET_NAMES.flatMap((name) => {
  const key = /^[A-Za-z_$][\w$]*$/.test(name) ? `.${name}` : `["${name}"]`;
  return [key.startsWith('.') ? name : key, `*${key}`, `req.headers${key}`, `headers${key}`];
});

export function defaultLogLevel(env: NodeJS.ProcessEnv = process.env): string {
  return env.LOG_LEVEL ?? (env.VITEST ? 'silent' : 'info');
}

export function createLogger(options: LoggerOptions = {}): Logger {
  return pino(
    {
      level: options.level ?? defaultLogLevel(),
      base: { service: 'posgraph' },
      redact: { paths: [...REDACT_PATHS], censor: CENSOR },
      serializers: { err: (error: unknown) => redactValue(error instanceof Error ? stdSerializers.err(error) : error) },
      formatters: { log: (object) => redactValue(object) as Record<string, unknown> },
      hooks: {
        // Free-text messages: `logger.info('GET https://…?token=…')`.
        logMethod(args, method) {
          method.apply(this, args.map((arg) => (typeof arg === 'string' ? redactText(arg) : arg)) as Parameters<typeof method>);
        },
      },
    },
    options.destination,
  );
}

/** Yoga's logger interface over pino: Yoga logs unexpected (masked) errors through `error`. */
export function yogaLogger(logger: Logger): YogaLogger {
  const forward = (level: 'debug' | 'info' | 'warn' | 'error') => (...args: unknown[]) => {
    const [first, ...rest] = args;
    if (first instanceof Error) logger[level]({ err: first }, level === 'error' ? 'unexpected error' : first.message);
    else logger[level]({ details: rest.length > 0 ? rest : undefined }, String(first));
  };
  return { debug: forward('debug'), info: forward('info'), warn: forward('warn'), error: forward('error') };
}

/** A copy with secret-named fields censored, URL fields and free text scrubbed; bounded depth. */
export function redactValue(value: unknown, key = '', depth = 0): unknown {
  if (typeof value === 'string') return /url$/i.test(key) ? redactUrl(value) : redactText(value);
  if (value instanceof URL) return redactUrl(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  // Errors are left whole for the `err` serializer, which calls back here with a plain object.
  if (value instanceof Error) return value;
  if (Array.isArray(value)) return value.map((item) => redactValue(item, key, depth + 1));
  if (value instanceof Date || value instanceof Map || value instanceof Set || ArrayBuffer.isView(value)) return value;
  // Plain objects, and pino's serialized errors (own fields on a prototype of their own).
  const copy: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(value)) {
    copy[name] = isSecretName(name) && field !== undefined ? CENSOR : redactValue(field, name, depth + 1);
  }
  return copy;
}
