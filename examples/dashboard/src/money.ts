/**
 * Exact decimal arithmetic for amounts the API sends as strings ("12.30", "53.0613"): values
 * are held as integer units at a scale (BigInt), so totals never pass through a binary float.
 */

export interface DecimalValue {
  /** The value times 10^scale. */
  readonly units: bigint;
  readonly scale: number;
}

const DECIMAL = /^(-)?(\d+)(?:\.(\d+))?$/;

export class InvalidAmountError extends Error {
  override readonly name = 'InvalidAmountError';
  readonly code = 'INVALID_AMOUNT';
}

export function parseDecimal(text: string): DecimalValue {
  const match = DECIMAL.exec(text.trim());
  if (!match) throw new InvalidAmountError(`"${text}" is not a decimal number`);
  const [, sign, whole, fraction = ''] = match;
  const units = BigInt(`${whole}${fraction}`);
  return { units: sign ? -units : units, scale: fraction.length };
}

function rescale(value: DecimalValue, scale: number): bigint {
  return value.units * 10n ** BigInt(scale - value.scale);
}

export function formatDecimal({ units, scale }: DecimalValue): string {
  const digits = (units < 0n ? -units : units).toString().padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale);
  const fraction = scale > 0 ? `.${digits.slice(digits.length - scale)}` : '';
  return `${units < 0n ? '-' : ''}${whole}${fraction}`;
}

/** The exact sum, at the largest scale among the addends (and at least `minScale`). */
export function sumAmounts(amounts: readonly string[], minScale = 0): string {
  const values = amounts.map(parseDecimal);
  const scale = Math.max(minScale, ...values.map((value) => value.scale));
  return formatDecimal({ units: values.reduce((sum, value) => sum + rescale(value, scale), 0n), scale });
}

/** Rounds half away from zero, as the gateway does when it totals a line. */
export function roundDecimal(value: DecimalValue, scale: number): DecimalValue {
  if (scale >= value.scale) return { units: rescale(value, scale), scale };
  const divisor = 10n ** BigInt(value.scale - scale);
  const magnitude = value.units < 0n ? -value.units : value.units;
  let quotient = magnitude / divisor;
  if ((magnitude % divisor) * 2n >= divisor) quotient += 1n;
  return { units: value.units < 0n ? -quotient : quotient, scale };
}

/** `quantity × unitPrice`, rounded to the currency's places: what a sale line costs. */
export function lineAmount(quantity: string, unitPrice: string, places: number): string {
  const q = parseDecimal(quantity);
  const p = parseDecimal(unitPrice);
  return formatDecimal(roundDecimal({ units: q.units * p.units, scale: q.scale + p.scale }, places));
}

/** Minor-unit places of an ISO 4217 currency (EUR 2, JPY 0, KWD 3). */
export function currencyPlaces(currency: string): number {
  try {
    return new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions().maximumFractionDigits ?? 2;
  } catch {
    return 2;
  }
}

/** "1234.5" EUR → "€1,234.50": grouping done on the digits, never through a float. */
export function formatMoney(amount: string, currency: string, locale = 'en-GB'): string {
  const value = parseDecimal(amount);
  const text = formatDecimal(roundDecimal(value, Math.max(value.scale, currencyPlaces(currency))));
  const negative = text.startsWith('-');
  const [whole = '0', fraction] = (negative ? text.slice(1) : text).split('.');
  const grouped = whole.replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  const symbol = currencySymbol(currency, locale);
  return `${negative ? '−' : ''}${symbol}${grouped}${fraction ? `.${fraction}` : ''}`;
}

function currencySymbol(currency: string, locale: string): string {
  try {
    const part = new Intl.NumberFormat(locale, { style: 'currency', currency }).formatToParts(0).find((p) => p.type === 'currency');
    return part ? (part.value.length > 1 ? `${part.value} ` : part.value) : `${currency} `;
  } catch {
    return `${currency} `;
  }
}

export function compareAmounts(a: string, b: string): -1 | 0 | 1 {
  const x = parseDecimal(a);
  const y = parseDecimal(b);
  const scale = Math.max(x.scale, y.scale);
  const difference = rescale(x, scale) - rescale(y, scale);
  return difference < 0n ? -1 : difference > 0n ? 1 : 0;
}

/** The largest of some amounts ("0" for none). */
export function maxAmount(amounts: readonly string[]): string {
  return amounts.reduce((max, amount) => (compareAmounts(amount, max) > 0 ? amount : max), '0');
}

/** A share of the largest value, for drawing only (a bar's length, not money). */
export function ratio(amount: string, largest: string): number {
  const a = parseDecimal(amount);
  const b = parseDecimal(largest);
  const scale = Math.max(a.scale, b.scale);
  const denominator = rescale(b, scale);
  if (denominator <= 0n) return 0;
  // Per-mille precision is plenty for pixels.
  return Number((rescale(a, scale) * 1000n) / denominator) / 1000;
}
