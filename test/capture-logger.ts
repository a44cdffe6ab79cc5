/** A real gateway logger (createLogger) whose JSON lines land in an array a test reads. */
import { createLogger, type Logger } from '../src/logger.ts';

export function captureLogger(level = 'debug'): { logger: Logger; lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = [];
  const logger = createLogger({ level, destination: { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) } });
  return { logger, lines };
}
