/** Runs `task` over `inputs` with at most `limit` in flight; each result or error lands in its input's slot. */
export async function mapSettled<I, O>(inputs: readonly I[], limit: number, task: (input: I) => Promise<O>): Promise<Array<O | Error>> {
  const results = new Array<O | Error>(inputs.length);
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < inputs.length) {
      const index = next;
      next += 1;
      try {
        results[index] = await task(inputs[index]!);
      } catch (error) {
        results[index] = error instanceof Error ? error : new Error(String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(Math.max(1, limit), inputs.length) }, worker));
  return results;
}
