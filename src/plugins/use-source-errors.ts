import type { Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../context.ts';

/**
 * A list whose sources partly failed still resolves; the failures are added to the
 * response's `errors` (with the list's path and {code, vendor, connection, retryable}) so
 * clients that only read `errors` learn of them too.
 */
export function useSourceErrors(): Plugin<GatewayContext> {
  return {
    onExecute: () => ({
      onExecuteDone: ({ args, result, setResult }) => {
        const { sourceErrors } = args.contextValue as GatewayContext;
        if (sourceErrors.length === 0 || Symbol.asyncIterator in result) return;
        setResult({ ...result, errors: [...(result.errors ?? []), ...sourceErrors] });
      },
    }),
  };
}
