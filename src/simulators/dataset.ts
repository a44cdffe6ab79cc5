/**
 * One shop universe, generated deterministically from a seed and a size, that every
 * simulator renders in its own vendor's dialect. Tests can therefore know the right answer
 * (counts, totals, which sale has which lines) without going through any adapter.
 *
 * All amounts are exact decimal strings. Sale arithmetic is fixed here once:
 *   line.total = round2(quantity × unitPrice) − discount
 *   sale.total = Σ line.total,  Σ payments.amount = sale.total
 *   tax of a line (prices include tax) = round2(line.total × rate / (1 + rate))
 * so every vendor's totals agree to the cent with the lines it shows.
 */
import { Decimal, sumDecimals } from '../core/money.ts';

export interface DatasetOptions {
  readonly seed: number;
  /** Number of sales; items, customers and the rest scale from it. Default 5,000. */
  readonly sales?: number;
  /** Decimal places item prices may have (2 for vendors in cents, up to 4 where allowed). */
  readonly pricePlaces?: 2 | 3 | 4;
  readonly currency?: string;
  /** The last day of trading (UTC, YYYY-MM-DD); sales cover the 90 days up to it. */
  readonly lastDay?: string;
}

export interface Location { id: number; name: string; city: string }
export interface Category { id: number; name: string }
export interface Tax { id: number; name: string; /** percent, e.g. "20" or "5.5" */ rate: string }
export interface PaymentMethod { id: number; name: string; type: 'CASH' | 'CARD' | 'CHECK' | 'OTHER' }

export interface Item {
  id: number;
  name: string;
  code: string;
  barcode: string | null;
  categoryId: number;
  taxId: number;
  /** Price per unit (or per kg) including tax. */
  price: string;
  buyPrice: string;
  soldByWeight: boolean;
  /** Units, or kg with 3 decimals for weighed goods. */
  stock: string;
  createdAt: string;
}

export interface Customer {
  id: number;
  firstName: string;
  lastName: string;
  email: string | null;
  phone: string | null;
  company: string | null;
  vatNumber: string | null;
  street: string;
  zipCode: string;
  city: string;
  country: string;
  createdAt: string;
}

export interface SaleLine {
  itemId: number;
  name: string;
  /** Negative on refunds; 3 decimals for weighed goods. */
  quantity: string;
  unitPrice: string;
  discount: string;
  taxRate: string;
  total: string;
  tax: string;
}

export interface Sale {
  id: number;
  number: string;
  createdAt: string;
  locationId: number;
  cashbookId: number;
  customerId: number | null;
  isRefund: boolean;
  lines: SaleLine[];
  total: string;
  tax: string;
  discount: string;
  note: string | null;
}

export interface Payment {
  id: number;
  saleId: number;
  methodId: number;
  /** Negative for refunds. */
  amount: string;
  createdAt: string;
}

export interface Cashbook {
  id: number;
  locationId: number;
  number: number;
  state: 'OPEN' | 'CLOSED';
  openedAt: string;
  closedAt: string | null;
  openingAmount: string;
  /** Opening amount plus the day's cash payments; null while open. */
  closingAmount: string | null;
}

export interface Booking {
  id: number;
  customerId: number;
  locationId: number;
  startsAt: string;
  endsAt: string;
  status: 'CONFIRMED' | 'CANCELLED' | 'CHECKED_IN' | 'CHECKED_OUT';
  itemIds: number[];
  total: string;
}

export interface Dataset {
  readonly seed: number;
  readonly currency: string;
  readonly locations: Location[];
  readonly categories: Category[];
  readonly taxes: Tax[];
  readonly paymentMethods: PaymentMethod[];
  readonly items: Item[];
  readonly customers: Customer[];
  readonly cashbooks: Cashbook[];
  /** Oldest first; ids follow time. */
  readonly sales: Sale[];
  readonly payments: Payment[];
  readonly bookings: Booking[];
}

export const DEFAULT_SALES = 5_000;
const TRADING_DAYS = 90;

/** mulberry32: tiny, fast, and the same sequence on every machine. */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

class Dice {
  private readonly next: () => number;
  constructor(seed: number) {
    this.next = random(seed);
  }
  float(): number {
    return this.next();
  }
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }
  pick<T>(values: readonly T[]): T {
    return values[Math.floor(this.next() * values.length)]!;
  }
  chance(probability: number): boolean {
    return this.next() < probability;
  }
  digits(count: number): string {
    let out = '';
    for (let i = 0; i < count; i += 1) out += String(this.int(0, 9));
    return out;
  }
}

const FIRST_NAMES = ['Marie', 'Jean', 'Ivan', 'Elena', 'Luca', 'Sofia', 'Georgi', 'Camille', 'Anna', 'Petar', 'Léa', 'Hugo', 'Maria', 'Nikola', 'Zoé', 'Dimitar', 'Chloé', 'Arben', 'Elira', 'Noé'];
const LAST_NAMES = ['Martin', 'Petrov', 'Dubois', 'Ivanova', 'Bernard', 'Georgiev', 'Leroy', 'Hoxha', 'Moreau', 'Dimitrova', 'Laurent', 'Kola', 'Fournier', 'Stoyanov', "O'Neil", 'Durand', 'Todorova', 'Girard'];
const COMPANIES = ['Boulangerie du Coin', 'Sofia Trade OOD', 'Café des Arts', 'Tirana Foods', 'Atelier Rive Gauche', 'Balkan Market EOOD'];
const CITIES = [['Paris', '75011', 'FR'], ['Lyon', '69002', 'FR'], ['Sofia', '1000', 'BG'], ['Plovdiv', '4000', 'BG'], ['Tirana', '1001', 'AL']] as const;
const STREETS = ['rue de la Paix', 'bul. Vitosha', 'avenue Jean Jaurès', 'ul. Shishman', 'Rruga e Durrësit', 'place Bellecour'];
const CATEGORY_NAMES = ['Bakery', 'Drinks', 'Fruit & Vegetables', 'Deli', 'Dairy', 'Grocery', 'Household', 'Services', 'Coffee', 'Sweets'];
const NOUNS = ['Baguette', 'Croissant', 'Espresso', 'Banitsa', 'Apples', 'Tomatoes', 'Feta', 'Olive oil', 'Sparkling water', 'Lemonade', 'Cheese board', 'Ham', 'Yogurt', 'Honey', 'Rice', 'Soap', 'Candles', 'Gift wrap', 'Chocolate', 'Cake slice', 'Cappuccino', 'Salami', 'Peppers', 'Walnuts'];
const ADJECTIVES = ['Organic', 'Classic', 'Large', 'Small', 'Fresh', 'Smoked', 'Spicy', 'Sweet', 'Premium', 'Local', 'Whole', 'Light'];
const WEIGHED_NOUNS = new Set(['Apples', 'Tomatoes', 'Feta', 'Ham', 'Salami', 'Peppers', 'Walnuts', 'Cheese board']);

/**
 * Prices that break naive float code: 0.10 and 0.20 (0.1 + 0.2 ≠ 0.3 in binary), values
 * whose half-cent rounding goes wrong in floats (1.005, 2.675), and 3–4 decimal unit
 * prices where the vendor allows them. The first items of every dataset carry them.
 */
const AWKWARD_PRICES = ['0.10', '0.20', '0.30', '1.005', '2.675', '0.0125', '19.999', '1.1', '33.3333', '0.07'];

function ean13(dice: Dice): string {
  const body = `${dice.pick(['200', '380', '300', '531'])}${dice.digits(9)}`;
  let sum = 0;
  for (let i = 0; i < 12; i += 1) sum += Number(body[i]) * (i % 2 === 0 ? 1 : 3);
  return `${body}${(10 - (sum % 10)) % 10}`;
}

function priceAt(places: number, raw: string): string {
  return Decimal.parse(raw).round(places).normalize().toFixedAtLeast(2);
}

function isoDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

function at(day: string, seconds: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + seconds * 1000).toISOString().replace('.000Z', 'Z');
}

function percentOf(amount: Decimal, rate: Decimal): Decimal {
  // Tax included in a gross amount: gross × r / (100 + r), rounded to cents.
  const numerator = amount.mul(rate);
  const denominator = rate.add(Decimal.parse('100'));
  // Exact division to 6 places then round: scale numerator so integer division keeps precision.
  const scaledNumerator = numerator.units * 10n ** BigInt(8 + denominator.scale);
  const quotient = scaledNumerator / (denominator.units * 10n ** BigInt(numerator.scale));
  return Decimal.of(quotient, 8).round(2);
}

export function createDataset(options: DatasetOptions): Dataset {
  const { seed, sales: saleCount = DEFAULT_SALES, pricePlaces = 2, currency = 'EUR', lastDay = '2026-11-20' } = options;
  const dice = new Dice(seed);
  const itemCount = Math.max(1_000, Math.round(saleCount / 5));
  const customerCount = Math.max(300, Math.round(saleCount / 15));

  const locations: Location[] = [
    { id: 1, name: 'Main store', city: CITIES[0][0] },
    { id: 2, name: 'Station kiosk', city: CITIES[2][0] },
    { id: 3, name: 'Market stall', city: CITIES[4][0] },
  ];
  const categories = CATEGORY_NAMES.map((name, index) => ({ id: index + 1, name }));
  const taxes: Tax[] = [
    { id: 1, name: 'Standard 20%', rate: '20' },
    { id: 2, name: 'Reduced 10%', rate: '10' },
    { id: 3, name: 'Reduced 5.5%', rate: '5.5' },
    { id: 4, name: 'Reduced 9%', rate: '9' },
  ];
  const paymentMethods: PaymentMethod[] = [
    { id: 1, name: 'Cash', type: 'CASH' },
    { id: 2, name: 'Card', type: 'CARD' },
    { id: 3, name: 'Cheque', type: 'CHECK' },
    { id: 4, name: 'Voucher', type: 'OTHER' },
  ];

  const firstDay = new Date(Date.parse(`${lastDay}T00:00:00Z`) - (TRADING_DAYS - 1) * 86_400_000);
  const catalogDay = isoDay(new Date(firstDay.getTime() - 30 * 86_400_000));

  const items: Item[] = [];
  for (let id = 1; id <= itemCount; id += 1) {
    const noun = dice.pick(NOUNS);
    const awkward = AWKWARD_PRICES[id - 1];
    const soldByWeight = awkward === undefined && WEIGHED_NOUNS.has(noun) && dice.chance(0.7);
    const raw = awkward ?? `${dice.int(0, 89)}.${dice.digits(pricePlaces)}`;
    const price = priceAt(pricePlaces, raw === '0.00' || Decimal.parse(raw).isZero() ? '0.50' : raw);
    items.push({
      id,
      // Titles carry no "_" (Kash's itemsList is "_"-delimited) but do carry accents and quotes.
      name: `${dice.pick(ADJECTIVES)} ${noun} ${id}`,
      code: `SKU-${String(id).padStart(5, '0')}`,
      barcode: dice.chance(0.9) ? ean13(dice) : null,
      categoryId: dice.int(1, categories.length),
      taxId: dice.pick([1, 1, 2, 3, 4]),
      price,
      buyPrice: Decimal.parse(price).mul(Decimal.parse('0.6')).round(2).toFixedAtLeast(2),
      soldByWeight,
      stock: soldByWeight ? `${dice.int(0, 80)}.${dice.digits(3)}` : String(dice.int(0, 400)),
      createdAt: at(catalogDay, dice.int(0, 86_399)),
    });
  }

  const customers: Customer[] = [];
  for (let id = 1; id <= customerCount; id += 1) {
    const firstName = dice.pick(FIRST_NAMES);
    const lastName = dice.pick(LAST_NAMES);
    const [city, zipCode, country] = dice.pick(CITIES);
    const company = dice.chance(0.2) ? dice.pick(COMPANIES) : null;
    customers.push({
      id,
      firstName,
      lastName,
      email: dice.chance(0.85) ? `${firstName}.${lastName}.${id}@example.com`.toLowerCase().replace(/[^a-z0-9.@]/g, '') : null,
      phone: dice.chance(0.8) ? `+33${dice.digits(9)}` : null,
      company,
      vatNumber: company ? `${country}${dice.digits(9)}` : null,
      street: `${dice.int(1, 120)} ${dice.pick(STREETS)}`,
      zipCode,
      city,
      country,
      createdAt: at(catalogDay, dice.int(0, 86_399)),
    });
  }

  // One cashbook per location and trading day, opened 07:00 and closed 19:30; today's stay open.
  const cashbooks: Cashbook[] = [];
  const cashbookByDayAndLocation = new Map<string, Cashbook>();
  const days: string[] = [];
  for (let d = 0; d < TRADING_DAYS; d += 1) days.push(isoDay(new Date(firstDay.getTime() + d * 86_400_000)));
  for (const day of days) {
    for (const location of locations) {
      const open = day === lastDay;
      const cashbook: Cashbook = {
        id: cashbooks.length + 1,
        locationId: location.id,
        number: cashbooks.length + 1,
        state: open ? 'OPEN' : 'CLOSED',
        openedAt: at(day, 7 * 3600),
        closedAt: open ? null : at(day, 19 * 3600 + 1800),
        openingAmount: '150.00',
        closingAmount: open ? null : '150.00',
      };
      cashbooks.push(cashbook);
      cashbookByDayAndLocation.set(`${day}/${location.id}`, cashbook);
    }
  }

  // Sale times: spread evenly over days, sorted so that ids follow time.
  const saleTimes: Array<{ day: string; second: number }> = [];
  for (let i = 0; i < saleCount; i += 1) {
    saleTimes.push({ day: days[Math.floor((i * TRADING_DAYS) / saleCount)]!, second: 0 });
  }
  for (const time of saleTimes) time.second = dice.int(7 * 3600 + 60, 19 * 3600 + 1700);
  saleTimes.sort((a, b) => (a.day === b.day ? a.second - b.second : a.day < b.day ? -1 : 1));

  const sales: Sale[] = [];
  const payments: Payment[] = [];
  const cashIn = new Map<number, Decimal>();
  const taxRate = new Map(taxes.map((tax) => [tax.id, tax.rate]));
  for (let i = 0; i < saleCount; i += 1) {
    const id = i + 1;
    const { day, second } = saleTimes[i]!;
    const createdAt = at(day, second);
    const locationId = dice.pick([1, 1, 1, 2, 2, 3]);
    const cashbook = cashbookByDayAndLocation.get(`${day}/${locationId}`)!;
    const isRefund = dice.chance(0.03);
    const lines: SaleLine[] = [];
    // The first sales exercise the awkward prices: 0.10 + 0.20 must total exactly 0.30.
    const lineItems: Item[] = i < 3 ? [items[0]!, items[1]!, items[i + 2]!] : [];
    if (lineItems.length === 0) {
      const lineCount = dice.int(1, 5);
      for (let l = 0; l < lineCount; l += 1) lineItems.push(items[dice.int(0, itemCount - 1)]!);
    }
    for (const item of lineItems) {
      let quantity = i < 3
        ? Decimal.parse('1')
        : item.soldByWeight
        ? Decimal.parse(`${dice.int(0, 2)}.${dice.digits(3)}`)
        : Decimal.parse(String(dice.int(1, 4)));
      if (quantity.isZero()) quantity = Decimal.parse('0.125');
      if (isRefund) quantity = quantity.negate();
      const unitPrice = Decimal.parse(item.price);
      const gross = quantity.mul(unitPrice).round(2);
      const discount = !isRefund && dice.chance(0.1) && gross.compare(Decimal.parse('1')) > 0
        ? gross.mul(Decimal.parse('0.1')).round(2)
        : Decimal.zero.round(2);
      const total = gross.sub(discount);
      const rate = Decimal.parse(taxRate.get(item.taxId)!);
      lines.push({
        itemId: item.id,
        name: item.name,
        quantity: quantity.toString(),
        unitPrice: item.price,
        discount: discount.toFixedAtLeast(2),
        taxRate: rate.toString(),
        total: total.toFixedAtLeast(2),
        tax: percentOf(total, rate).toFixedAtLeast(2),
      });
    }
    const total = sumDecimals(lines.map((line) => Decimal.parse(line.total)));
    const sale: Sale = {
      id,
      number: `${locationId}-${String(id).padStart(6, '0')}`,
      createdAt,
      locationId,
      cashbookId: cashbook.id,
      customerId: dice.chance(0.4) ? dice.int(1, customerCount) : null,
      isRefund,
      lines,
      total: total.toFixedAtLeast(2),
      tax: sumDecimals(lines.map((line) => Decimal.parse(line.tax))).toFixedAtLeast(2),
      discount: sumDecimals(lines.map((line) => Decimal.parse(line.discount))).toFixedAtLeast(2),
      note: dice.chance(0.05) ? 'Client asked for an invoice — «facture» & "reçu"' : null,
    };
    sales.push(sale);

    // One tender, or a split of two that adds up to the cent.
    const split = !isRefund && dice.chance(0.15) && total.compare(Decimal.parse('1')) > 0;
    const amounts = split ? [total.sub(total.mul(Decimal.parse('0.4')).round(2)), total.mul(Decimal.parse('0.4')).round(2)] : [total];
    for (const amount of amounts) {
      const methodId = isRefund ? 1 : dice.pick([1, 2, 2, 2, 3, 4]);
      payments.push({ id: payments.length + 1, saleId: id, methodId, amount: amount.toFixedAtLeast(2), createdAt });
      if (methodId === 1) cashIn.set(cashbook.id, (cashIn.get(cashbook.id) ?? Decimal.zero).add(amount));
    }
  }
  for (const cashbook of cashbooks) {
    if (cashbook.state === 'CLOSED') {
      cashbook.closingAmount = Decimal.parse(cashbook.openingAmount).add(cashIn.get(cashbook.id) ?? Decimal.zero).toFixedAtLeast(2);
    }
  }

  const bookings: Booking[] = [];
  const bookingCount = Math.max(50, Math.round(saleCount / 20));
  const serviceItems = items.filter((item) => item.categoryId === 8);
  for (let id = 1; id <= bookingCount; id += 1) {
    const day = days[dice.int(0, days.length - 1)]!;
    const start = dice.int(9, 20) * 3600;
    const booked = [dice.pick(serviceItems.length > 0 ? serviceItems : items)];
    if (dice.chance(0.3)) booked.push(dice.pick(items));
    bookings.push({
      id,
      customerId: dice.int(1, customerCount),
      locationId: dice.pick(locations).id,
      startsAt: at(day, start),
      endsAt: at(day, start + dice.pick([1, 2, 3, 24]) * 3600),
      status: dice.pick(['CONFIRMED', 'CONFIRMED', 'CHECKED_IN', 'CHECKED_OUT', 'CANCELLED'] as const),
      itemIds: booked.map((item) => item.id),
      total: sumDecimals(booked.map((item) => Decimal.parse(item.price))).round(2).toFixedAtLeast(2),
    });
  }
  bookings.sort((a, b) => (a.startsAt < b.startsAt ? -1 : a.startsAt > b.startsAt ? 1 : a.id - b.id));

  return { seed, currency, locations, categories, taxes, paymentMethods, items, customers, cashbooks, sales, payments, bookings };
}
