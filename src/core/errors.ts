/**
 * Every failure the gateway reports is a GatewayError with a stable SCREAMING_SNAKE code.
 * Callers match on `code`, never on message text. Vendor failures also say which vendor
 * and connection failed and whether retrying can help, and their messages are scrubbed
 * of anything that looks like a credential before they exist.
 */
import { GraphQLError } from 'graphql';
import { redactText } from './redact.ts';

export interface GatewayErrorOptions {
  readonly cause?: unknown;
  readonly extensions?: Record<string, unknown>;
}

export class GatewayError extends GraphQLError {
  readonly code: string;

  constructor(code: string, message: string, options: GatewayErrorOptions = {}) {
    super(redactText(message), { extensions: { code, ...options.extensions } });
    this.code = code;
    // Keep the cause for our own logs only; it never reaches the client.
    if (options.cause !== undefined) Object.defineProperty(this, 'cause', { value: options.cause, enumerable: false });
  }
}

export class BadUserInputError extends GatewayError {
  override readonly name = 'BadUserInputError';
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super('BAD_USER_INPUT', message, { extensions });
  }
}

export class NotFoundError extends GatewayError {
  override readonly name = 'NotFoundError';
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super('NOT_FOUND', message, { extensions });
  }
}

export interface VendorFailure {
  readonly vendor: string;
  readonly connection: string;
  /** The vendor's HTTP status, when it answered at all. */
  readonly status?: number;
  /** The vendor's own message, as it wrote it (credentials removed). */
  readonly vendorMessage?: string;
  readonly cause?: unknown;
}

/** A vendor call failed. Subclasses say how; `retryable` says whether another try may succeed. */
export abstract class VendorError extends GatewayError {
  abstract readonly retryable: boolean;
  readonly vendor: string;
  readonly connection: string;
  readonly status: number | undefined;
  readonly vendorMessage: string | undefined;

  constructor(code: string, message: string, failure: VendorFailure, retryable: boolean) {
    super(code, message, {
      cause: failure.cause,
      extensions: { vendor: failure.vendor, connection: failure.connection, retryable },
    });
    this.vendor = failure.vendor;
    this.connection = failure.connection;
    this.status = failure.status;
    this.vendorMessage = failure.vendorMessage === undefined ? undefined : redactText(failure.vendorMessage);
  }
}

function describe(failure: VendorFailure, fallback: string): string {
  const status = failure.status === undefined ? '' : ` (HTTP ${failure.status})`;
  return `${failure.vendor}: ${failure.vendorMessage ?? fallback}${status}`;
}

/** Credentials refused, token or session expired for good, permission denied. */
export class VendorAuthError extends VendorError {
  override readonly name = 'VendorAuthError';
  readonly retryable = false;
  constructor(failure: VendorFailure) {
    super('VENDOR_AUTH_FAILED', describe(failure, 'authentication failed'), failure, false);
  }
}

/** The vendor says the resource does not exist. */
export class VendorNotFoundError extends VendorError {
  override readonly name = 'VendorNotFoundError';
  readonly retryable = false;
  constructor(failure: VendorFailure) {
    super('VENDOR_NOT_FOUND', describe(failure, 'not found'), failure, false);
  }
}

/** The vendor refused the request as invalid; the same request will fail again. */
export class VendorRejectedError extends VendorError {
  override readonly name = 'VendorRejectedError';
  readonly retryable = false;
  constructor(failure: VendorFailure) {
    super('VENDOR_REJECTED', describe(failure, 'request rejected'), failure, false);
  }
}

/** Too many requests; `retryAfterMs` is the vendor's own hint when it gave one. */
export class VendorRateLimitedError extends VendorError {
  override readonly name = 'VendorRateLimitedError';
  readonly retryable = true;
  readonly retryAfterMs: number | undefined;
  constructor(failure: VendorFailure & { retryAfterMs?: number }) {
    super('VENDOR_RATE_LIMITED', describe(failure, 'rate limit exceeded'), failure, true);
    this.retryAfterMs = failure.retryAfterMs;
  }
}

/** The vendor failed on its side (5xx). */
export class VendorUnavailableError extends VendorError {
  override readonly name = 'VendorUnavailableError';
  readonly retryable = true;
  constructor(failure: VendorFailure) {
    super('VENDOR_UNAVAILABLE', describe(failure, 'service unavailable'), failure, true);
  }
}

/** No answer in time. For a write the outcome is unknown. */
export class VendorTimeoutError extends VendorError {
  override readonly name = 'VendorTimeoutError';
  readonly retryable = true;
  constructor(failure: VendorFailure) {
    super('VENDOR_TIMEOUT', describe(failure, 'timed out'), failure, true);
  }
}

/** The connection was refused, reset or closed before a full answer. */
export class VendorConnectionError extends VendorError {
  override readonly name = 'VendorConnectionError';
  readonly retryable = true;
  constructor(failure: VendorFailure) {
    super('VENDOR_CONNECTION_FAILED', describe(failure, 'connection failed'), failure, true);
  }
}

/** The vendor answered with something that is not what its contract promises. */
export class VendorMalformedResponseError extends VendorError {
  override readonly name = 'VendorMalformedResponseError';
  readonly retryable = true;
  constructor(failure: VendorFailure) {
    super('VENDOR_MALFORMED_RESPONSE', describe(failure, 'malformed response'), failure, true);
  }
}

/**
 * The connection's circuit breaker is open: the vendor failed repeatedly, so the gateway
 * stops calling it for a while. No request was sent; retrying later may succeed.
 */
export class VendorCircuitOpenError extends VendorError {
  override readonly name = 'VendorCircuitOpenError';
  readonly retryable = true;
  constructor(failure: VendorFailure) {
    super('VENDOR_CIRCUIT_OPEN', describe(failure, 'failing repeatedly; calls are paused'), failure, true);
  }
}

/**
 * The state the replicas share (Redis) cannot be reached, so a write cannot be held to once
 * per idempotency key: it is not attempted, or — if it was — the key's claim runs out and the
 * retry reconciles with the vendor first. Retrying with the same key is safe.
 */
export class SharedStateUnavailableError extends GatewayError {
  override readonly name = 'SharedStateUnavailableError';
  readonly retryable = true;
  constructor(cause?: unknown) {
    super('SHARED_STATE_UNAVAILABLE', 'The idempotency store cannot be reached; retry with the same idempotency key', { cause, extensions: { retryable: true } });
  }
}
