/**
 * Tenants: who may call the gateway and which connections each may use. A caller proves
 * its tenant with `Authorization: Bearer <api key>`; the configuration keeps only each
 * key's SHA-256 (`sha256:<hex>`), so a leaked file does not leak a key. API keys are long
 * random strings, so a plain hash is enough (no salt or slow hash is needed against guessing).
 */
import { createHash } from 'node:crypto';

export interface Tenant {
  readonly id: string;
  readonly name: string;
  /** The connection ids this tenant may use; undefined means every configured connection. */
  readonly connections?: readonly string[];
}

export interface TenantConfig extends Tenant {
  /** `sha256:<64 hex>` of each key this tenant may present. */
  readonly apiKeys: readonly string[];
}

/** The one tenant of a gateway that checks no keys (demo mode, tests). */
export const OPEN_TENANT: Tenant = { id: 'default', name: 'default' };

export const API_KEY_HASH = /^sha256:[0-9a-f]{64}$/;

export function hashApiKey(key: string): string {
  return `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`;
}

export class TenantDirectory {
  private readonly byKeyHash = new Map<string, Tenant>();
  readonly tenants: readonly Tenant[];

  constructor(tenants: readonly TenantConfig[]) {
    this.tenants = tenants.map(({ id, name, connections }) => ({ id, name, ...(connections ? { connections } : {}) }));
    tenants.forEach((tenant, index) => {
      for (const hash of tenant.apiKeys) this.byKeyHash.set(hash, this.tenants[index]!);
    });
  }

  private readonly perRequest = new WeakMap<Request, Tenant | null>();

  /** The tenant of a request's key, hashed once per request however many plugins ask. */
  ofRequest(request: Request): Tenant | undefined {
    let tenant = this.perRequest.get(request);
    if (tenant === undefined) this.perRequest.set(request, (tenant = this.authenticate(request.headers.get('authorization')) ?? null));
    return tenant ?? undefined;
  }

  /** The tenant whose key the header carries, or undefined (no header, not Bearer, unknown key). */
  authenticate(authorization: string | null | undefined): Tenant | undefined {
    const match = /^Bearer[ \t]+(\S+)[ \t]*$/i.exec(authorization ?? '');
    return match ? this.byKeyHash.get(hashApiKey(match[1]!)) : undefined;
  }
}
