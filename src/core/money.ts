/**
 * Exact decimal money. Amounts are held as a bigint of units at a decimal scale, so
 * 0.1 + 0.2 is 0.3 and nothing ever passes through a binary float. Vendors speak cents
 * (Tactill), fixed-scale strings (iCash) and JSON numbers in major units (IncoCloud, Kash);
 * each has one lossless entry point here.
 */

const DECIMAL_PATTERN = /^([+-])?(\d+)(?:\.(\d+))?$/;

/** Digits a JSON number can carry before doubles stop round-tripping every decimal. */
const MAX_EXACT_SIGNIFICANT_DIGITS = 15;

export class DecimalError extends Error {
  override readonly name = 'DecimalError';
  readonly code = 'INVALID_DECIMAL';
}

export class Decimal {
  private constructor(
    /** The value times 10^scale. */
    readonly units: bigint,
    readonly scale: number,
  ) {}

  static of(units: bigint, scale: number): Decimal {
    if (!Number.isInteger(scale) || scale < 0) {
      throw new DecimalError(`Decimal scale must be a non-negative integer, got ${scale}`);
    }
    return new Decimal(units, scale);
  }

  static zero = new Decimal(0n, 0);

  /** Parses a plain decimal literal such as "12", "-0.50" or "66.600000". */
  static parse(text: string): Decimal {
    const match = DECIMAL_PATTERN.exec(text.trim());
    if (!match) throw new DecimalError(`Expected a decimal number such as "12.30", got ${JSON.stringify(text)}`);
    const [, sign, whole, fraction = ''] = match;
    const units = BigInt(whole + fraction);
    return new Decimal(sign === '-' ? -units : units, fraction.length);
  }

  /**
   * Converts a JSON number without rounding: a double prints as the shortest decimal that
   * reads back to it, which is the literal the vendor sent as long as that literal had at
   * most 15 significant digits. Longer ones cannot be trusted and are refused.
   */
  static fromJsonNumber(value: number): Decimal {
    if (!Number.isFinite(value)) throw new DecimalError(`Expected a finite number, got ${value}`);
    const [mantissa, exponentText] = value.toString().toLowerCase().split('e');
    const parsed = Decimal.parse(mantissa!);
    const significant = parsed.units < 0n ? (-parsed.units).toString() : parsed.units.toString();
    if (significant.replace(/^0+/, '').replace(/0+$/, '').length > MAX_EXACT_SIGNIFICANT_DIGITS) {
      throw new DecimalError(`The number ${value} has more significant digits than a JSON number carries exactly`);
    }
    const exponent = exponentText ? Number(exponentText) : 0;
    return exponent >= 0
      ? Decimal.of(parsed.units * 10n ** BigInt(exponent), parsed.scale).normalize()
      : Decimal.of(parsed.units, parsed.scale - exponent);
  }

  /** Integer minor units (e.g. cents with `exponent` 2) as a decimal. */
  static fromMinorUnits(minor: number | bigint, exponent: number): Decimal {
    if (typeof minor === 'number' && !Number.isSafeInteger(minor)) {
      throw new DecimalError(`Expected an integer amount of minor units, got ${minor}`);
    }
    return Decimal.of(BigInt(minor), exponent);
  }

  /** Accepts whatever a vendor or a client sent: decimal string, JSON number, or Decimal. */
  static from(value: Decimal | string | number): Decimal {
    if (value instanceof Decimal) return value;
    return typeof value === 'number' ? Decimal.fromJsonNumber(value) : Decimal.parse(value);
  }

  /** Integer minor units at `exponent`; refuses to drop non-zero digits. */
  toMinorUnits(exponent: number): bigint {
    const reduced = this.normalize();
    if (reduced.scale > exponent) {
      throw new DecimalError(`${this.toString()} has more than ${exponent} decimal places`);
    }
    return reduced.units * 10n ** BigInt(exponent - reduced.scale);
  }

  /** A JS number for wire formats that demand one; exact while the value has ≤15 significant digits. */
  toJsonNumber(): number {
    const result = Number(this.toString());
    if (!Decimal.fromJsonNumber(result).equals(this)) {
      throw new DecimalError(`${this.toString()} cannot be written as a JSON number without loss`);
    }
    return result;
  }

  add(other: Decimal): Decimal {
    const scale = Math.max(this.scale, other.scale);
    return new Decimal(this.rescaleUp(scale).units + other.rescaleUp(scale).units, scale);
  }

  sub(other: Decimal): Decimal {
    return this.add(other.negate());
  }

  mul(other: Decimal): Decimal {
    return new Decimal(this.units * other.units, this.scale + other.scale);
  }

  negate(): Decimal {
    return new Decimal(-this.units, this.scale);
  }

  /** Rounds half away from zero, the rule of tills and tax authorities alike. */
  round(scale: number): Decimal {
    if (scale >= this.scale) return this.rescaleUp(scale);
    const divisor = 10n ** BigInt(this.scale - scale);
    const magnitude = this.units < 0n ? -this.units : this.units;
    let quotient = magnitude / divisor;
    if ((magnitude % divisor) * 2n >= divisor) quotient += 1n;
    return new Decimal(this.units < 0n ? -quotient : quotient, scale);
  }

  compare(other: Decimal): -1 | 0 | 1 {
    const scale = Math.max(this.scale, other.scale);
    const a = this.rescaleUp(scale).units;
    const b = other.rescaleUp(scale).units;
    return a < b ? -1 : a > b ? 1 : 0;
  }

  equals(other: Decimal): boolean {
    return this.compare(other) === 0;
  }

  isZero(): boolean {
    return this.units === 0n;
  }

  isNegative(): boolean {
    return this.units < 0n;
  }

  /** The same value with trailing fractional zeros removed. */
  normalize(): Decimal {
    let { units, scale } = this;
    while (scale > 0 && units % 10n === 0n) {
      units /= 10n;
      scale -= 1;
    }
    return new Decimal(units, scale);
  }

  /** Pads to at least `minScale` decimals (never drops digits). */
  toFixedAtLeast(minScale: number): string {
    return this.rescaleUp(Math.max(this.scale, minScale)).toString();
  }

  toString(): string {
    const negative = this.units < 0n;
    const digits = (negative ? -this.units : this.units).toString().padStart(this.scale + 1, '0');
    const whole = digits.slice(0, digits.length - this.scale);
    const fraction = digits.slice(digits.length - this.scale);
    return `${negative ? '-' : ''}${whole}${fraction ? `.${fraction}` : ''}`;
  }

  toJSON(): string {
    return this.toString();
  }

  private rescaleUp(scale: number): Decimal {
    if (scale < this.scale) throw new DecimalError(`Cannot rescale ${this.toString()} down to ${scale} places without rounding`);
    return new Decimal(this.units * 10n ** BigInt(scale - this.scale), scale);
  }
}

/** Minor-unit exponents of the currencies we meet; ISO 4217. */
const CURRENCY_EXPONENTS: Record<string, number> = { EUR: 2, BGN: 2, ALL: 2, USD: 2, GBP: 2, CHF: 2, RON: 2, JPY: 0 };

export function currencyExponent(currency: string): number {
  const exponent = CURRENCY_EXPONENTS[currency];
  if (exponent === undefined) throw new DecimalError(`Unknown currency ${JSON.stringify(currency)}`);
  return exponent;
}

/** The schema's Money: a decimal string at least at the currency's precision. */
export interface Money {
  readonly amount: string;
  readonly currency: string;
}

export function money(value: Decimal | string | number, currency: string): Money {
  return { amount: Decimal.from(value).normalize().toFixedAtLeast(currencyExponent(currency)), currency };
}

export function sumDecimals(values: Iterable<Decimal>): Decimal {
  let total = Decimal.zero;
  for (const value of values) total = total.add(value);
  return total;
}
