import { builder } from './builder.ts';
import { VendorConnectionRef } from './connection.ts';
import { NodeRef, type Bound } from './node.ts';

export const LocationRef = builder.objectRef<Bound<'location'>>('Location').implement({
  description: 'A shop, warehouse or register location.',
  interfaces: [NodeRef],
  fields: (t) => ({
    name: t.exposeString('name'),
    connection: t.field({ type: VendorConnectionRef, resolve: (location, _, context) => context.connections.get(location.connectionId)! }),
    raw: t.field({ type: 'JSON', description: "The vendor's original record.", resolve: (location) => location.raw }),
  }),
});
