import { describe, expect, it } from 'vitest';
import { Decimal } from '../../../src/core/money.ts';
import { encodeItemsListEntry } from '../../../src/vendors/kash/wire.ts';

describe('itemsList[] encoding', () => {
  it('writes an article alone when quantity, title and price are the catalogue ones', () => {
    expect(encodeItemsListEntry({ kind: 'article', idArticle: 12 })).toBe('12');
  });

  it('writes an article with a quantity as <id>_<qty>, decimals with a point', () => {
    expect(encodeItemsListEntry({ kind: 'article', idArticle: 12, quantity: '1.125' })).toBe('12_1.125');
    expect(encodeItemsListEntry({ kind: 'article', idArticle: 12, quantity: 2 })).toBe('12_2');
  });

  it('writes a forced title and price as <id>_<qty>_<title>_<price>, as in the public example', () => {
    expect(encodeItemsListEntry({ kind: 'article', idArticle: 12, quantity: 2, title: 'Pizza 4 fromages', price: '14.50', declinaisons: [3, 8] }))
      .toBe('12_2_Pizza 4 fromages_14.50_3_8');
  });

  it('leaves a segment empty to keep the catalogue value before a later one', () => {
    expect(encodeItemsListEntry({ kind: 'article', idArticle: 12, price: Decimal.parse('3.10') })).toBe('12___3.10');
    expect(encodeItemsListEntry({ kind: 'article', idArticle: 12, quantity: 1, declinaisons: [4] })).toBe('12_1___4');
  });

  it('replaces "_" in an article title, which would shift the positions', () => {
    expect(encodeItemsListEntry({ kind: 'article', idArticle: 7, quantity: 1, title: 'a_b', price: '1.00' })).toBe('7_1_a b_1.00');
  });

  it('writes department and free lines with their title last, "_" kept', () => {
    expect(encodeItemsListEntry({ kind: 'department', departmentId: 5, price: '9.99', title: 'Vente libre' })).toBe('-5_9.99_Vente libre');
    expect(encodeItemsListEntry({ kind: 'free', price: '-2.50', title: 'Avoir_client' })).toBe('Free_-2.50_Avoir_client');
  });

  it('refuses more than five declinaisons and ids that are not positive integers', () => {
    expect(() => encodeItemsListEntry({ kind: 'article', idArticle: 1, declinaisons: [1, 2, 3, 4, 5, 6] })).toThrow(/at most 5 declinaisons, got 6/);
    expect(() => encodeItemsListEntry({ kind: 'article', idArticle: 0 })).toThrow(/idArticle must be a positive integer, got 0/);
    expect(() => encodeItemsListEntry({ kind: 'free', price: '1,50', title: 'x' })).toThrow(/decimal number/);
  });
});
