/**
 * Global IDs: opaque to clients, they carry the GraphQL type, the connection and the
 * vendor's own id, so `node(id:)` can route any ID to the right connection and loader,
 * and a tenant's ID can be checked against the connections that tenant may use.
 */
import { BadUserInputError } from './errors.ts';

export const NODE_TYPES = ['Item', 'Sale', 'Payment', 'Customer', 'Cashbook', 'Booking', 'Location'] as const;
export type NodeType = (typeof NODE_TYPES)[number];

export interface GlobalId {
  readonly type: NodeType;
  readonly connection: string;
  readonly id: string;
}

const PREFIX = 'pg1';

export function encodeGlobalId({ type, connection, id }: GlobalId): string {
  return Buffer.from(JSON.stringify([PREFIX, type, connection, id]), 'utf8').toString('base64url');
}

/** Decodes an ID; with `expected`, also insists on its type. */
export function decodeGlobalId(value: string, expected?: NodeType): GlobalId {
  let parts: unknown;
  try {
    parts = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
  } catch {
    parts = undefined;
  }
  if (
    !Array.isArray(parts) ||
    parts.length !== 4 ||
    parts[0] !== PREFIX ||
    !NODE_TYPES.includes(parts[1]) ||
    typeof parts[2] !== 'string' ||
    typeof parts[3] !== 'string' ||
    parts[3] === ''
  ) {
    throw new BadUserInputError(`${JSON.stringify(value)} is not a posgraph ID`, { argumentValue: value });
  }
  const decoded: GlobalId = { type: parts[1] as NodeType, connection: parts[2], id: parts[3] };
  if (expected && decoded.type !== expected) {
    throw new BadUserInputError(`Expected the ID of a ${expected}, got the ID of a ${decoded.type}`, { argumentValue: value });
  }
  return decoded;
}
