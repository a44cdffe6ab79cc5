/**
 * createCustomer at iCash (vendor-contracts.md §3 `add-contragent`; docs/vendors/icash.md
 * "Writes: customers").
 *
 *   add-contragent   Type CLIENT, Name, TaxNum + VatRegistered (+ VatNum), CountryCode + CityName
 *                    from the connection's settings, MOL, Phone, Email, Barcode = the reference
 *   get-contragents  by ContragentID: the customer as iCash now has it
 *
 * iCash has no reference field on a contragent. The one text field that add-contragent takes,
 * get-contragents returns in every row *and* filters exactly is `ContragentBarcode` (String(20),
 * public 3.08/3.09), so it carries the reference: a lost answer is settled by one
 * get-contragents call filtered by that barcode. The rejected alternatives: `MOL` is the
 * person's name (the adapter reads first and last name from it); `Address` is not among the
 * documented rows of 3.09 (the simulator returns it only by assumption) and cannot be
 * filtered, so finding it would mean walking every contragent; Name + Email + TaxNum cannot
 * tell a retry from a second customer who happens to share them.
 */
import { createHash } from 'node:crypto';
import { WriteRefusedError, type CallOptions, type CustomerDraft, type CustomerWriter } from '../../core/adapter.ts';
import { VendorMalformedResponseError, VendorRejectedError } from '../../core/errors.ts';
import type { CustomerRecord } from '../../core/model.ts';
import type { IcashClient } from './client.ts';
import { wrongValue, type AddContragentInput, type IcashContragent } from './wire.ts';

export interface IcashCustomerWriterOptions {
  readonly client: IcashClient;
  /** ContragentCountryCode (ISO 3166-1 alpha-2): required by iCash, absent from the draft. */
  readonly countryCode: string;
  /** ContragentCityName: required by iCash, absent from the draft. */
  readonly cityName: string;
  /** A get-contragents row, mapped with the adapter's own customer mapping. */
  mapCustomer(row: IcashContragent): CustomerRecord;
}

/** ContragentBarcode is String(20) (public 3.08). */
const MAX_BARCODE = 20;
/**
 * ContragentTaxNum is required and may not be empty (3.08 "YES"), but a private customer has
 * no company IDN: this placeholder stands for "none" [assumed; iCash documents no convention].
 * The adapter does not read TaxNum back (the VAT number comes from VatNum), so it never
 * reaches the model.
 */
export const ICASH_NO_TAX_NUMBER = '0';

/**
 * The barcode that carries a draft's reference: the reference itself when it fits in 20
 * characters, else "pg-" and 17 hex digits of its SHA-256 (68 bits: a collision between two
 * keys of one account is not a practical concern). Deterministic, so a retry finds it.
 */
export function icashCustomerBarcode(reference: string): string {
  if (reference.length <= MAX_BARCODE) return reference;
  return `pg-${createHash('sha256').update(reference).digest('hex').slice(0, MAX_BARCODE - 3)}`;
}

/**
 * The contragent for a draft. Name = the company, else "first last"; MOL = the person, sent
 * only beside a company (for a private customer the name is the person already). A VAT
 * number goes whole to VatNum and, without its 2-letter country prefix, to TaxNum, with
 * VatRegistered 1 — as iCash's own rows read (docs/vendors/icash.md assumption 11).
 */
export function icashContragentOf(draft: CustomerDraft, settings: { countryCode: string; cityName: string }): AddContragentInput {
  const person = [draft.firstName, draft.lastName].filter((part): part is string => part !== null && part !== '').join(' ');
  const company = draft.company ?? null;
  const vat = draft.vatNumber ?? null;
  return {
    ContragentName: company ?? person,
    ContragentType: 'CLIENT',
    ContragentCountryCode: settings.countryCode,
    ContragentCityName: settings.cityName,
    ContragentTaxNum: vat === null ? ICASH_NO_TAX_NUMBER : /^[A-Za-z]{2}./.test(vat) ? vat.slice(2) : vat,
    ContragentVatRegistered: vat === null ? 0 : 1,
    ContragentVatNum: vat ?? undefined,
    ContragentMOL: company !== null && person !== '' ? person : undefined,
    ContragentPhone: draft.phone ?? undefined,
    ContragentEmail: draft.email ?? undefined,
    ContragentBarcode: icashCustomerBarcode(draft.reference),
  };
}

/** Which input field a "Wrong value for …" of add-contragent points at; null for the settings. */
function fieldOf(message: string, draft: CustomerDraft): string | null {
  const fields: Record<string, string | null> = {
    [wrongValue('ContragentName')]: draft.company !== null ? 'company' : 'lastName',
    [wrongValue('ContragentMOL')]: 'lastName',
    [wrongValue('ContragentPhone')]: 'phone',
    [wrongValue('ContragentEmail')]: 'email',
    [wrongValue('ContragentTaxNum')]: 'vatNumber',
    [wrongValue('ContragentVatNum')]: 'vatNumber',
  };
  return fields[message] ?? null;
}

export function createIcashCustomerWriter(options: IcashCustomerWriterOptions): CustomerWriter {
  const { client } = options;
  const site = { vendor: client.vendor, connection: client.connection };

  const create = async (draft: CustomerDraft, call: CallOptions): Promise<CustomerRecord> => {
    let contragentId: number;
    try {
      // 3.08 add-contragent: iCash checks every parameter before it records anything.
      contragentId = (await client.addContragent(icashContragentOf(draft, options), call)).ContragentID;
    } catch (error) {
      // A status-0 answer is a refusal with nothing written; anything else may have been
      // recorded, and the core asks findByReference.
      if (error instanceof VendorRejectedError && error.status === 200) {
        const message = error.vendorMessage ?? error.message;
        throw new WriteRefusedError('VENDOR_REJECTED', message, fieldOf(message, draft));
      }
      throw error;
    }
    // 3.09 get-contragents by id: the customer as iCash now has it. A failure here leaves the
    // customer written, and the core finds it again by its barcode.
    const row = (await client.getContragents({ ContragentID: contragentId, count: 1 }, call)).Data[0];
    if (!row) {
      throw new VendorMalformedResponseError({ ...site, status: 200, vendorMessage: `add-contragent answered ContragentID ${contragentId}, which get-contragents does not know` });
    }
    return options.mapCustomer(row);
  };

  /**
   * 3.09 get-contragents filtered by the barcode that carries the reference (exact match),
   * CLIENTs only; the earliest when there were several. It does not compare the other
   * fields: a customer edited at the till since it was written is still the same customer.
   */
  const findByReference = async (draft: CustomerDraft, call: CallOptions): Promise<CustomerRecord | null> => {
    const page = await client.getContragents(
      { ContragentBarcode: icashCustomerBarcode(draft.reference), ContragentType: 'CLIENT', sort: 'ContragentID', order: 'ASC', count: 1 },
      call,
    );
    const row = page.Data[0];
    return row ? options.mapCustomer(row) : null;
  };

  return {
    create: (draft, call) => create(draft, call),
    findByReference: (draft, call) => findByReference(draft, call),
  };
}
