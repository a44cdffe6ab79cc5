/**
 * createCustomer at Tactill: one `POST /customers` (seed §Customer "Create a customer";
 * docs/vendors/tactill.md "Customers and till sessions through posgraph").
 *
 * - `original_id` ("External customer ID from your existing system") carries the draft's
 *   reference: the vendor stores it and filters on it (`original_id: {eq}`), which is how
 *   `findByReference` finds a customer whose answer was lost (`POST /customers` is not
 *   idempotent, and `original_id` is not unique: the earliest customer with it wins). The
 *   customer's `note` stays the shop's own.
 * - The body is checked with the very schema the vendor's validation follows (wire.ts)
 *   before it is sent, so an e-mail the core's loose check lets through but Tactill would
 *   refuse is a VALIDATION on `email`, with nothing sent.
 */
import { WriteRefusedError, type CustomerDraft, type CustomerWriter } from '../../core/adapter.ts';
import type { CustomerRecord } from '../../core/model.ts';
import type { TactillClient } from './client.ts';
import { TactillCustomerCreateSchema, type TactillCustomer, type TactillCustomerCreateInput } from './wire.ts';

/** The draft's field behind each body member, to name the input at fault. */
const INPUT_FIELD: Readonly<Record<string, keyof CustomerDraft>> = {
  first_name: 'firstName',
  last_name: 'lastName',
  company_name: 'company',
  email: 'email',
  phone: 'phone',
  company_vat_number: 'vatNumber',
};

/** The `POST /customers` body: the draft's fields that are set, and the reference as `original_id`. */
export function tactillCustomerBody(draft: CustomerDraft): TactillCustomerCreateInput {
  const fields: Array<[keyof TactillCustomerCreateInput, string | null]> = [
    ['first_name', draft.firstName],
    ['last_name', draft.lastName],
    ['company_name', draft.company],
    ['email', draft.email],
    ['phone', draft.phone],
    ['company_vat_number', draft.vatNumber],
  ];
  return {
    original_id: draft.reference,
    ...Object.fromEntries(fields.filter(([, value]) => value !== null)),
  };
}

export function createTactillCustomerWriter(
  client: TactillClient,
  /** The adapter's own customer mapping (a record it cannot map is the vendor's fault). */
  mapCustomer: (customer: TactillCustomer) => CustomerRecord,
): CustomerWriter {
  return {
    async create(draft, options) {
      const body = tactillCustomerBody(draft);
      const checked = TactillCustomerCreateSchema.safeParse(body);
      if (!checked.success) {
        const issue = checked.error.issues[0]!;
        const member = String(issue.path[0] ?? '');
        const field = INPUT_FIELD[member] ?? null;
        throw new WriteRefusedError('VALIDATION', `${field ?? member}: Tactill refuses this value (${issue.message})`, field);
      }
      // seed §Customer "Create a customer": the answer is the stored customer.
      return mapCustomer(await client.createCustomer(body, { signal: options.signal }));
    },

    async findByReference(draft, options) {
      // seed §Customer "Request customers", filtered on the reference sent as `original_id`.
      const page = await client.listCustomers(
        { filter: { original_id: { eq: draft.reference } }, sort: { field: 'created_at', direction: 'asc' }, limit: 1 },
        { signal: options.signal },
      );
      const customer = page.items[0];
      return customer === undefined ? null : mapCustomer(customer);
    },
  };
}
