/** Imports every type family, then builds the schema. */
import { builder } from './builder.ts';
import './node.ts';
import './connection.ts';
import './money.ts';
import './item.ts';
import './customer.ts';
import './location.ts';
import './cashbook.ts';
import './payment.ts';
import './sale.ts';
import './booking.ts';
import './mutations/create-sale.ts';
import './mutations/create-customer.ts';
import './mutations/cashbook-session.ts';
import './subscriptions.ts';

// Declaration order (connections, filter, first, after) reads better than alphabetical in GraphiQL;
// the printed SDL file is sorted separately.
export const schema = builder.toSchema({ sortSchema: false });
