import { readFileSync } from 'node:fs';
import { generate } from '@graphql-codegen/cli';
import { describe, expect, it } from 'vitest';
import config from '../codegen.ts';

describe('generated typed documents', () => {
  it('are current (run `npm run codegen` after changing an operation or the schema)', async () => {
    const outputs = (await generate({ ...config, silent: true }, false)) as Array<{ filename: string; content: string }>;
    // Both targets: the end-to-end tests' operations and the example dashboard's.
    for (const target of Object.keys(config.generates)) {
      expect(outputs.some((output) => output.filename.startsWith(target)), target).toBe(true);
    }
    for (const output of outputs) {
      expect(readFileSync(output.filename, 'utf8'), output.filename).toBe(output.content);
    }
  }, 60_000);
});
