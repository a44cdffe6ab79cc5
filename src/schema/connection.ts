/** Vendor connections, what each can do, and how each took part in a list. */
import type { EntityCapability } from '../core/adapter.ts';
import { capabilitiesOf } from '../core/adapter.ts';
import type { ConnectionHealth } from '../core/breaker.ts';
import type { Connection } from '../core/connection.ts';
import type { SourceResult } from '../core/pagination.ts';
import { builder } from './builder.ts';

export const VendorEnum = builder.enumType('Vendor', {
  values: { INCOCLOUD: { value: 'incocloud' }, KASH: { value: 'kash' }, ICASH: { value: 'icash' }, TACTILL: { value: 'tactill' } } as const,
});

const BatchStrategyEnum = builder.enumType('BatchStrategy', {
  description: 'How lookups by id are served: one call for many ids, one scan of a list per request, or one call per id.',
  values: { BY_IDS: { value: 'byIds' }, SCAN: { value: 'scan' }, EACH: { value: 'each' } } as const,
});

const EntityCapabilityRef = builder.objectRef<EntityCapability>('EntityCapability').implement({
  fields: (t) => ({
    list: t.exposeBoolean('list'),
    get: t.field({ type: BatchStrategyEnum, nullable: true, description: 'null when the vendor cannot look this entity up by id', resolve: (c) => (c.get === false ? null : c.get) }),
    create: t.exposeBoolean('create'),
  }),
});

type CapabilitiesShape = ReturnType<typeof capabilitiesOf>;

const CapabilitiesRef = builder.objectRef<CapabilitiesShape>('Capabilities').implement({
  fields: (t) => ({
    item: t.field({ type: EntityCapabilityRef, resolve: (c) => c.item }),
    sale: t.field({ type: EntityCapabilityRef, resolve: (c) => c.sale }),
    payment: t.field({ type: EntityCapabilityRef, resolve: (c) => c.payment }),
    customer: t.field({ type: EntityCapabilityRef, resolve: (c) => c.customer }),
    cashbook: t.field({ type: EntityCapabilityRef, resolve: (c) => c.cashbook }),
    booking: t.field({ type: EntityCapabilityRef, resolve: (c) => c.booking }),
    location: t.field({ type: EntityCapabilityRef, resolve: (c) => c.location }),
  }),
});

const CircuitStateEnum = builder.enumType('CircuitState', {
  description: 'The circuit breaker of a connection.',
  values: {
    CLOSED: { description: 'Calls go to the vendor.' },
    OPEN: { description: 'The vendor failed repeatedly: calls fail at once with VENDOR_CIRCUIT_OPEN, without reaching it.' },
    HALF_OPEN: { description: 'The open period is over: the next call is a probe that closes the circuit or opens it again.' },
  } as const,
});

const HEALTHY: ConnectionHealth = { state: 'CLOSED', recentFailures: 0, lastError: null };

const ConnectionHealthRef = builder.objectRef<ConnectionHealth>('ConnectionHealth').implement({
  description: "How the vendor has been answering this gateway, as its circuit breaker sees it.",
  fields: (t) => ({
    state: t.field({ type: CircuitStateEnum, resolve: (h) => h.state }),
    recentFailures: t.exposeInt('recentFailures', { description: 'Timeouts, connection failures and 5xx answers of the last minute.' }),
    lastError: t.field({
      type: SourceErrorRef,
      nullable: true,
      description: 'The last failure counted, null when there was none.',
      resolve: (h) => h.lastError,
    }),
  }),
});

export const VendorConnectionRef = builder.objectRef<Connection>('VendorConnection').implement({
  description: 'A configured vendor account.',
  fields: (t) => ({
    id: t.exposeID('id'),
    vendor: t.field({ type: VendorEnum, resolve: (c) => c.vendor }),
    name: t.exposeString('name'),
    currency: t.string({ resolve: (c) => c.adapter.currency }),
    capabilities: t.field({ type: CapabilitiesRef, resolve: (c) => capabilitiesOf(c.adapter) }),
    health: t.field({ type: ConnectionHealthRef, resolve: (c) => c.health?.() ?? HEALTHY }),
  }),
});

export const SourceStatusEnum = builder.enumType('SourceStatus', {
  values: ['OK', 'FAILED', 'UNSUPPORTED', 'PARTIAL'] as const,
});

const SourceErrorRef = builder.objectRef<{ code: string; message: string }>('SourceError').implement({
  fields: (t) => ({ code: t.exposeString('code'), message: t.exposeString('message') }),
});

export const SourceRef = builder.objectRef<SourceResult>('Source').implement({
  description: 'How one connection took part in a list.',
  fields: (t) => ({
    connection: t.field({ type: VendorConnectionRef, resolve: (s) => s.connection }),
    status: t.field({ type: SourceStatusEnum, resolve: (s) => s.status }),
    error: t.field({
      type: SourceErrorRef,
      nullable: true,
      resolve: (s) =>
        s.status === 'UNSUPPORTED'
          ? { code: 'UNSUPPORTED', message: `${s.connection.vendor} has no ${s.kind} list` }
          : s.error && { code: String(s.error.extensions.code), message: s.error.message },
    }),
  }),
});

builder.queryFields((t) => ({
  connections: t.field({
    type: [VendorConnectionRef],
    description: 'The vendor connections this caller may use.',
    resolve: (_, __, context) => [...context.connections.values()],
  }),
}));
