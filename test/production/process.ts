/**
 * The gateway (or the simulators) as a real child process, the way a container runs it: its
 * stdout read line by line for the addresses it prints and its JSON log lines, signals sent
 * to it, its exit code awaited. Every process started here is killed by `stopAll()`.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'undici';

export interface RunningProcess {
  readonly child: ChildProcess;
  /** Every stdout and stderr line so far. */
  readonly lines: string[];
  /** Resolves with the first line (seen so far or later) that matches. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<RegExpMatchArray>;
  /** The JSON log lines (pino) with this `msg`. */
  logs(message: string): Array<Record<string, unknown>>;
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const running = new Set<ChildProcess>();

export function startProcess(command: string, args: string[], env: Record<string, string | undefined>): RunningProcess {
  // VITEST would silence the logs this suite reads; undefined removes a variable.
  const merged: Record<string, string | undefined> = { ...process.env, VITEST: undefined, LOG_LEVEL: 'info', ...env };
  const child = spawn(command, args, {
    env: Object.fromEntries(Object.entries(merged).filter((entry): entry is [string, string] => entry[1] !== undefined)),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const lines: string[] = [];
  const watchers = new Set<() => void>();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => {
    child.once('exit', (code, signal) => {
      running.delete(child);
      resolve({ code, signal });
      for (const watch of watchers) watch();
    });
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop()!;
      lines.push(...parts);
      for (const watch of watchers) watch();
    });
  }
  return {
    child,
    lines,
    exited,
    waitForLine(pattern, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => finish(new Error(`no line matching ${pattern} within ${timeoutMs} ms; output:\n${lines.join('\n')}`)), timeoutMs);
        const finish = (outcome: RegExpMatchArray | Error): void => {
          clearTimeout(timer);
          watchers.delete(watch);
          if (outcome instanceof Error) reject(outcome);
          else resolve(outcome);
        };
        const watch = (): void => {
          for (const line of lines) {
            const match = line.match(pattern);
            if (match) return finish(match);
          }
          if (child.exitCode !== null || child.signalCode !== null) finish(new Error(`exited (${child.exitCode ?? child.signalCode}) before a line matching ${pattern}; output:\n${lines.join('\n')}`));
        };
        watchers.add(watch);
        watch();
      });
    },
    logs(message) {
      return lines.flatMap((line) => {
        if (!line.startsWith('{')) return [];
        const entry = JSON.parse(line) as Record<string, unknown>;
        return entry.msg === message ? [entry] : [];
      });
    },
  };
}

/** Kills whatever is still running; for afterAll. */
export async function stopAll(): Promise<void> {
  await Promise.all(
    [...running].map(
      (child) =>
        new Promise<void>((resolve) => {
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

/** What `npm start` prints: the gateway's address and, in demo mode, each simulator's. */
export async function startedGateway(gateway: RunningProcess): Promise<{ origin: string; simulators: Record<string, string> }> {
  const [, origin] = await gateway.waitForLine(/^posgraph: (http:\/\/localhost:\d+)\/graphql/);
  const simulators = Object.fromEntries(gateway.lines.flatMap((line) => {
    const match = /^\s+(\w+)\s+(http:\/\/\S+)$/.exec(line);
    return match ? [[match[1]!, match[2]!]] : [];
  }));
  return { origin: origin!, simulators };
}

export async function postJson(url: string, body: unknown, headers: Record<string, string> = {}): Promise<{ status: number; json: unknown }> {
  const response = await request(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) });
  const text = await response.body.text();
  return { status: response.statusCode, json: text === '' ? undefined : JSON.parse(text) };
}
