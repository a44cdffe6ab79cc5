/**
 * Credentials travel in URLs (IncoCloud's `token`, Kash's `key`), in form bodies (iCash's
 * `signature`) and in headers (Tactill's `X-Api-Key`). Anything that may be logged or shown
 * goes through here first.
 */

/** Parameter and header names whose values are secrets, matched case-insensitively. */
export const SECRET_NAMES = [
  'token',
  'access_token',
  'app_secret',
  'appsecret',
  'client_secret',
  'refresh_token',
  'webhooksecret',
  'key',
  'apikey',
  'api_key',
  'x-api-key',
  'secret',
  'secret_key',
  'password',
  'passwd',
  'cookie',
  'set-cookie',
  'signature',
  'ses',
  'session_id',
  'authorization',
] as const;

const SECRET_SET = new Set<string>(SECRET_NAMES);
const REDACTED = '[redacted]';

// Field names of any casing that end like a credential: appSecret, accessToken, dbPassword, x-api-key.
const SECRET_SUFFIX = /(?:secret|password|passwd|token|api[-_]?key)$/i;

export function isSecretName(name: string): boolean {
  return SECRET_SET.has(name.toLowerCase()) || SECRET_SUFFIX.test(name);
}

/** Masks secret query parameters of a URL, keeping the rest readable. */
export function redactUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return redactText(String(url));
  }
  for (const name of [...parsed.searchParams.keys()]) {
    if (isSecretName(name)) parsed.searchParams.set(name, REDACTED);
  }
  return parsed.toString().replaceAll(encodeURIComponent(REDACTED), REDACTED);
}

// `name=value` pairs (query strings, form bodies) and `"name":"value"` JSON members.
const PAIR_PATTERN = new RegExp(`\\b(${SECRET_NAMES.join('|')})=([^&\\s"']+)`, 'gi');
const JSON_PATTERN = new RegExp(`"(${SECRET_NAMES.join('|')})"\\s*:\\s*"[^"]*"`, 'gi');
const BEARER_PATTERN = /\b(Bearer\s+|v5_)[A-Za-z0-9._~+/-]+=*/gi;

/** Masks anything in free text that looks like a credential. */
export function redactText(text: string): string {
  return text
    .replace(PAIR_PATTERN, (_, name: string) => `${name}=${REDACTED}`)
    .replace(JSON_PATTERN, (_, name: string) => `"${name}":"${REDACTED}"`)
    .replace(BEARER_PATTERN, (_, prefix: string) => `${prefix}${REDACTED}`);
}
