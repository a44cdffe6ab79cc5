/** Reading the gateway's `/metrics` the way Prometheus does: over HTTP, as exposition text. */
import { request } from 'undici';
import type { TestStack } from '../e2e/harness.ts';
import { isSecretName } from '../../src/core/redact.ts';

export interface Scrape {
  readonly status: number;
  readonly contentType: string | undefined;
  readonly text: string;
  /** The sample of `name` whose labels include all of `labels`, summed over the rest; 0 when none. */
  value(name: string, labels?: Record<string, string>): number;
}

export function metricsUrl(stack: TestStack): string {
  return new URL('/metrics', stack.url).toString();
}

export async function scrape(stack: TestStack): Promise<Scrape> {
  const response = await request(metricsUrl(stack));
  const text = await response.body.text();
  const samples = parseExposition(text);
  return {
    status: response.statusCode,
    contentType: response.headers['content-type'] as string | undefined,
    text,
    value: (name, labels = {}) =>
      samples
        .filter((sample) => sample.name === name && Object.entries(labels).every(([label, value]) => sample.labels[label] === value))
        .reduce((sum, sample) => sum + sample.value, 0),
  };
}

interface Sample {
  readonly name: string;
  readonly labels: Record<string, string>;
  readonly value: number;
}

/** Prometheus text format 0.0.4: `name{label="value",…} number` per line, `#` lines are metadata. */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!match) throw new Error(`not an exposition line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[pair[1]!] = pair[2]!.replace(/\\(.)/g, '$1');
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** Every credential in the demo connections' settings (tokens, keys, secrets), for "never appears" checks. */
export function demoCredentials(stack: TestStack): string[] {
  const found: string[] = [];
  const walk = (value: unknown, key: string): void => {
    if (typeof value === 'string' && isSecretName(key) && value.length >= 4) found.push(value);
    else if (value && typeof value === 'object') for (const [name, field] of Object.entries(value)) walk(field, name);
  };
  for (const connection of stack.demo.config.connections) walk(connection.settings, '');
  return found;
}
