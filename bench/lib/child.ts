/**
 * Servers under test run in their own processes, so that each one's requests per second and
 * memory are its own: `node --import tsx <file>` (not the tsx CLI, which would put a wrapper
 * process between us and the server and hide its RSS). A child announces itself with one
 * stdout line `BENCH_READY <json>`; anything else it prints is kept for the error report.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export interface Child<T> {
  readonly pid: number;
  /** What the child announced when ready (its URL, its configuration…). */
  readonly ready: T;
  /** Resident set size now and at its peak (VmRSS, VmHWM), in MB. */
  memory(): { rssMb: number; peakRssMb: number };
  stop(): Promise<void>;
}

const READY = 'BENCH_READY ';

export async function startChild<T>(file: string, options: { env?: Record<string, string>; args?: string[]; nodeArgs?: string[]; timeoutMs?: number } = {}): Promise<Child<T>> {
  const path = fileURLToPath(new URL(`../servers/${file}`, import.meta.url));
  const child: ChildProcess = spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', path, ...(options.args ?? [])], {
    env: { ...process.env, LOG_LEVEL: 'warn', ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output: string[] = [];
  const keep = (text: string) => {
    output.push(text);
    if (output.length > 200) output.shift();
  };
  child.stderr!.setEncoding('utf8').on('data', keep);
  const ready = await new Promise<T>((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => fail(new Error(`${file} did not start within ${options.timeoutMs ?? 120_000} ms`)), options.timeoutMs ?? 120_000);
    const fail = (error: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(new Error(`${error.message}\n--- ${file} output ---\n${output.join('').slice(-4000)}`));
    };
    child.once('exit', (code, signal) => fail(new Error(`${file} exited (${code ?? signal}) before it was ready`)));
    child.stdout!.setEncoding('utf8').on('data', (chunk: string) => {
      buffer += chunk;
      let newline: number;
      while ((newline = buffer.indexOf('\n')) >= 0) {
        const line = buffer.slice(0, newline);
        buffer = buffer.slice(newline + 1);
        if (line.startsWith(READY)) {
          clearTimeout(timer);
          child.removeAllListeners('exit');
          resolve(JSON.parse(line.slice(READY.length)) as T);
        } else keep(`${line}\n`);
      }
    });
  });
  const pid = child.pid!;
  return {
    pid,
    ready,
    memory: () => {
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      const kb = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
      return { rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
        child.once('exit', () => {
          clearTimeout(timer);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}

/** What a server child prints once it listens. */
export function announce(value: unknown): void {
  process.stdout.write(`${READY}${JSON.stringify(value)}\n`);
}

/** A child ends when asked, or when the orchestrator that started it goes away. */
export function exitWith(close: () => Promise<void>): void {
  const stop = () => {
    close().finally(() => process.exit(0));
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  // Our stdin is a pipe from the orchestrator: it closes when the orchestrator dies.
  process.stdin.on('end', stop).resume();
}
