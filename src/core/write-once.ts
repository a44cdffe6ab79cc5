/**
 * Every write the gateway makes goes through here: validate before any write, write once
 * per idempotency key, and never guess the outcome of a write that may have reached the
 * vendor — ask the vendor by the reference sent with it, and say OUTCOME_UNKNOWN only when
 * the vendor cannot be asked (keeping the key, so the next retry reconciles).
 */
import { createHash } from 'node:crypto';
import { WriteRefusedError, type CallOptions, type WriteRefusalCode } from './adapter.ts';
import { VendorAuthError, VendorConnectionError, VendorRateLimitedError, VendorRejectedError, VendorTimeoutError } from './errors.ts';
import type { IdempotencyStore } from './idempotency.ts';

export type UserErrorCode = WriteRefusalCode | 'IDEMPOTENCY_CONFLICT' | 'OUTCOME_UNKNOWN';

export interface UserError {
  readonly code: UserErrorCode;
  readonly field: string | null;
  readonly message: string;
}

export interface WriteOutcome<R> {
  readonly record: R | null;
  readonly errors: readonly UserError[];
}

export type WriteStore = IdempotencyStore<WriteOutcome<unknown>>;

export interface WritePlan<D, R> {
  /** Checks the input (reads allowed, writes not); user errors mean nothing is written. */
  prepare(reference: string): Promise<D | readonly UserError[]>;
  /** Writes; throws WriteRefusedError when the vendor refused and nothing was written. */
  write(draft: D): Promise<R>;
  /**
   * What the vendor has under this draft's reference; throws when the vendor cannot be
   * asked. It gets its own deadline: it often runs because the request's deadline passed.
   */
  find(draft: D, options: CallOptions): Promise<R | null>;
}

export interface WriteRequest {
  readonly tenant: string;
  /** Keys are scoped per operation: the same key may serve a sale and a customer. */
  readonly operation: string;
  readonly idempotencyKey: string;
  /** Everything that makes two requests "the same input". */
  readonly input: unknown;
}

/** How long a look-up by reference may take; it runs even when the request's own deadline has passed. */
export const LOOKUP_TIMEOUT_MS = 5_000;

export function userError(code: UserErrorCode, message: string, field: string | null = null): WriteOutcome<never> {
  return { record: null, errors: [{ code, field, message }] };
}

const CONFLICT = 'This idempotency key was already used with a different input';

export async function writeOnce<D, R>(store: WriteStore, request: WriteRequest, plan: WritePlan<D, R>, waitMs = 30_000): Promise<WriteOutcome<R>> {
  const key = JSON.stringify([request.tenant, request.operation, request.idempotencyKey]);
  const fingerprint = createHash('sha256').update(JSON.stringify(request.input)).digest('hex');
  // The reference the vendor stores: stable per key, short, and free of the client's text.
  const reference = `pg-${createHash('sha256').update(key).digest('hex').slice(0, 24)}`;

  for (let attempt = 0; attempt < 3; attempt += 1) {
    const claim = await store.claim(key, fingerprint, reference);
    if (claim.claimed) return write(store, key, claim.reference, claim.reconcile, plan);
    if (claim.record.fingerprint !== fingerprint) return userError('IDEMPOTENCY_CONFLICT', CONFLICT, 'idempotencyKey');
    if (claim.record.state === 'done') return claim.record.payload as WriteOutcome<R>;
    // An identical request is writing: wait for its outcome rather than write again.
    const settled = await store.waitForSettled(key, waitMs);
    if (settled?.state === 'done') return settled.fingerprint === fingerprint ? (settled.payload as WriteOutcome<R>) : userError('IDEMPOTENCY_CONFLICT', CONFLICT, 'idempotencyKey');
    if (settled?.state === 'pending') return userError('OUTCOME_UNKNOWN', 'An identical request is still being written; retry with the same key to learn its outcome');
    // Released (nothing written) or unknown: claim again, which reconciles an unknown outcome.
  }
  return userError('OUTCOME_UNKNOWN', 'The write could not be settled; retry with the same key');
}

async function write<D, R>(store: WriteStore, key: string, reference: string, reconcile: boolean, plan: WritePlan<D, R>): Promise<WriteOutcome<R>> {
  const finish = async (outcome: WriteOutcome<R>): Promise<WriteOutcome<R>> => {
    await store.complete(key, outcome);
    return outcome;
  };
  const unknown = async (message: string): Promise<WriteOutcome<R>> => {
    await store.markUnknown(key);
    return userError('OUTCOME_UNKNOWN', message);
  };
  const lookUp = async (draft: D): Promise<R | null | 'unreachable'> => {
    try {
      return await plan.find(draft, { signal: AbortSignal.timeout(LOOKUP_TIMEOUT_MS) });
    } catch {
      return 'unreachable';
    }
  };

  try {
    const draft = await plan.prepare(reference);
    if (Array.isArray(draft)) return await finish({ record: null, errors: draft });
    const ready = draft as D;

    if (reconcile) {
      const earlier = await lookUp(ready);
      if (earlier === 'unreachable') return await unknown('The vendor cannot be asked whether the earlier attempt was recorded; retry with the same key');
      if (earlier) return await finish({ record: earlier, errors: [] });
    }

    try {
      return await finish({ record: await plan.write(ready), errors: [] });
    } catch (error) {
      if (error instanceof WriteRefusedError) return await finish(userError(error.code, error.message, error.field));
      if (error instanceof VendorRejectedError) return await finish(userError('VENDOR_REJECTED', error.vendorMessage ?? error.message));
      // Refused before the vendor did anything: nothing written, the client may retry.
      if (error instanceof VendorAuthError || error instanceof VendorRateLimitedError) {
        await store.release(key);
        throw error;
      }
      // Anything else may have happened after the vendor recorded the write: ask it.
      const found = await lookUp(ready);
      if (found && found !== 'unreachable') return await finish({ record: found, errors: [] });
      if (found === 'unreachable') return await unknown('The vendor did not confirm the write and cannot be asked now; retry with the same key to reconcile');
      // After a timeout or a dropped connection the vendor may still be writing: not finding
      // the record yet proves nothing, so the key stays and the retry asks again first.
      if (error instanceof VendorTimeoutError || error instanceof VendorConnectionError) {
        return await unknown('The vendor did not answer in time and has not recorded the write yet; retry with the same key to reconcile');
      }
      // The vendor answered with a failure and holds no record: nothing was written.
      await store.release(key);
      throw error;
    }
  } catch (error) {
    // Failures before the write (validation reads) leave nothing behind.
    const record = await store.waitForSettled(key, 0);
    if (record?.state === 'pending') await store.release(key);
    throw error;
  }
}
