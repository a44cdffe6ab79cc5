import type { Money } from '../core/money.ts';
import { builder } from './builder.ts';

export const MoneyRef = builder.objectRef<Money>('Money').implement({
  description: 'An exact amount: a decimal string at least at the currency precision, never a float.',
  fields: (t) => ({
    amount: t.exposeString('amount', { description: 'Decimal string, e.g. "12.30"; may carry more places when the vendor does ("0.0125").' }),
    currency: t.exposeString('currency', { description: 'ISO 4217 code.' }),
  }),
});
