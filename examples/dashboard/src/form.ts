/** The create-sale form: connection, item, quantity, payment; shows the mutation's typed errors. */
import { execute, errorCodes } from './api.ts';
import type { DashboardConnectionsQuery, DashboardCreateSaleMutation, SearchItemsQuery } from './__generated__/graphql.ts';
import { fill, h, vendorLabel } from './dom.ts';
import { currencyPlaces, formatMoney, InvalidAmountError, lineAmount } from './money.ts';
import { DashboardCreateSale, SearchItems } from './operations.ts';

type Connection = DashboardConnectionsQuery['connections'][number];
type Item = SearchItemsQuery['items']['edges'][number]['node'];
export type CreatedSale = NonNullable<DashboardCreateSaleMutation['createSale']['sale']>;

const PAYMENT_METHODS = [
  ['CARD', 'Card'],
  ['CASH', 'Cash'],
  ['CHECK', 'Cheque'],
  ['OTHER', 'Other'],
] as const;

export function createSaleForm(connections: readonly Connection[], onCreated: (sale: CreatedSale) => void): HTMLElement {
  const usable = connections.filter((connection) => connection.capabilities.sale.create);
  const connectionSelect = h('select', { name: 'connection', id: 'sale-connection' }, ...usable.map((c) => h('option', { value: c.id }, `${vendorLabel(c.vendor)} — ${c.name}`)));
  const search = h('input', { type: 'search', id: 'sale-search', placeholder: 'Search items…', autocomplete: 'off' });
  const itemSelect = h('select', { name: 'item', id: 'sale-item', size: 5, required: true });
  const quantity = h('input', { name: 'quantity', id: 'sale-quantity', value: '1', inputmode: 'decimal', autocomplete: 'off' });
  const method = h('select', { name: 'method', id: 'sale-method' }, ...PAYMENT_METHODS.map(([value, label]) => h('option', { value }, label)));
  const toPay = h('output', { id: 'sale-to-pay' }, '—');
  const submit = h('button', { type: 'submit', class: 'primary' }, 'Record sale');
  const outcome = h('div', { class: 'form-outcome', 'aria-live': 'polite' });
  let items: Item[] = [];
  let searchToken = 0;

  const connection = (): Connection | undefined => usable.find((c) => c.id === connectionSelect.value);
  const selectedItem = (): Item | undefined => items.find((item) => item.id === itemSelect.value);

  /** What the customer pays, computed exactly as the gateway totals a line; null while the input is not a number. */
  const amountDue = (): string | null => {
    const item = selectedItem();
    if (!item) return null;
    try {
      return lineAmount(quantity.value.trim(), item.price.amount, currencyPlaces(item.price.currency));
    } catch (error) {
      if (error instanceof InvalidAmountError) return null;
      throw error;
    }
  };
  const showAmountDue = (): void => {
    const item = selectedItem();
    const due = amountDue();
    toPay.textContent = item && due !== null ? formatMoney(due, item.price.currency) : '—';
  };

  const loadItems = async (): Promise<void> => {
    const current = connection();
    if (!current) return;
    const token = (searchToken += 1);
    itemSelect.classList.add('loading');
    try {
      const result = await execute(SearchItems, { connection: current.id, text: search.value.trim() || null });
      if (token !== searchToken) return; // a newer search is under way
      items = result.data?.items.edges.map((edge) => edge.node) ?? [];
      const failed = result.data?.items.sources.find((source) => source.status === 'FAILED');
      fill(itemSelect, ...items.map((item) => h('option', { value: item.id }, `${item.name} · ${formatMoney(item.price.amount, item.price.currency)}`)));
      if (items[0]) itemSelect.value = items[0].id;
      if (failed || !result.data) fill(outcome, h('p', { class: 'form-error' }, `Items could not be loaded: ${failed?.error?.code ?? errorCodes(result.errors)}`));
      else if (items.length === 0) fill(outcome, h('p', { class: 'muted' }, 'No item matches.'));
      else fill(outcome);
    } catch (error) {
      if (token === searchToken) fill(outcome, h('p', { class: 'form-error' }, error instanceof Error ? error.message : 'Items could not be loaded'));
    } finally {
      if (token === searchToken) itemSelect.classList.remove('loading');
      showAmountDue();
    }
  };

  let debounce: ReturnType<typeof setTimeout> | undefined;
  search.addEventListener('input', () => {
    clearTimeout(debounce);
    debounce = setTimeout(() => void loadItems(), 250);
  });
  connectionSelect.addEventListener('change', () => void loadItems());
  itemSelect.addEventListener('change', showAmountDue);
  quantity.addEventListener('input', showAmountDue);

  const form = h('form', { class: 'sale-form', novalidate: true },
    h('label', { for: 'sale-connection' }, 'Connection'), connectionSelect,
    h('label', { for: 'sale-search' }, 'Item'), search, itemSelect,
    h('div', { class: 'form-row' },
      h('div', {}, h('label', { for: 'sale-quantity' }, 'Quantity'), quantity),
      h('div', {}, h('label', { for: 'sale-method' }, 'Payment'), method)),
    h('div', { class: 'form-row to-pay' }, h('span', { class: 'muted' }, 'To pay'), toPay),
    submit,
    outcome,
  );

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    void (async () => {
      const current = connection();
      const item = selectedItem();
      if (!current || !item) {
        fill(outcome, h('p', { class: 'form-error' }, 'Choose an item first.'));
        return;
      }
      const due = amountDue();
      submit.disabled = true;
      submit.textContent = 'Recording…';
      try {
        const result = await execute(DashboardCreateSale, {
          input: {
            connection: current.id,
            // One key per submission: a retried request is recorded once, a second click is a second sale.
            idempotencyKey: crypto.randomUUID(),
            lines: [{ item: item.id, quantity: quantity.value.trim() }],
            ...(due !== null ? { payments: [{ method: method.value, amount: { amount: due, currency: item.price.currency } }] } : {}),
          },
        });
        const payload = result.data?.createSale;
        if (!payload) {
          fill(outcome, h('p', { class: 'form-error', 'data-code': errorCodes(result.errors) }, `${errorCodes(result.errors)}: ${result.errors?.[0]?.message ?? 'the sale was not recorded'}`));
        } else if (payload.errors.length > 0) {
          fill(outcome, h('ul', { class: 'user-errors' }, ...payload.errors.map((error) =>
            h('li', { 'data-code': error.code }, h('code', {}, error.code), error.field ? h('span', { class: 'field' }, error.field) : null, ' ', error.message))));
        } else if (payload.sale) {
          const sale = payload.sale;
          fill(outcome, h('p', { class: 'form-success' }, `Sale ${sale.number ?? ''} recorded on ${vendorLabel(sale.connection.vendor)}: ${formatMoney(sale.total.amount, sale.total.currency)}`));
          onCreated(sale);
        }
      } catch (error) {
        fill(outcome, h('p', { class: 'form-error' }, error instanceof Error ? error.message : 'The sale was not recorded'));
      } finally {
        submit.disabled = false;
        submit.textContent = 'Record sale';
      }
    })();
  });

  if (usable.length === 0) fill(outcome, h('p', { class: 'muted' }, 'No connection can record sales.'));
  else void loadItems();
  return form;
}
