/** A tiny element builder: the page is plain DOM, no framework. */
type Child = Node | string | null | undefined | false;
type Attributes = Record<string, string | number | boolean | undefined | ((event: Event) => void)>;

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attributes: Attributes = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === false) continue;
    if (typeof value === 'function') element.addEventListener(name.replace(/^on/, '').toLowerCase(), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  element.append(...children.filter((child): child is Node | string => child !== null && child !== undefined && child !== false));
  return element;
}

export function svg<K extends keyof SVGElementTagNameMap>(tag: K, attributes: Record<string, string | number> = {}, ...children: Array<Node | string>): SVGElementTagNameMap[K] {
  const element = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [name, value] of Object.entries(attributes)) element.setAttribute(name, String(value));
  element.append(...children);
  return element;
}

/** Replaces an element's content. */
export function fill(parent: Element, ...children: Child[]): void {
  parent.replaceChildren(...children.filter((child): child is Node | string => child !== null && child !== undefined && child !== false));
}

export const VENDOR_LABELS: Record<string, string> = { INCOCLOUD: 'IncoCloud', KASH: 'Kash', ICASH: 'iCash', TACTILL: 'Tactill' };

export function vendorLabel(vendor: string): string {
  return VENDOR_LABELS[vendor] ?? vendor;
}

export function vendorBadge(vendor: string): HTMLElement {
  return h('span', { class: `vendor vendor-${vendor.toLowerCase()}` }, vendorLabel(vendor));
}

export function skeletonRows(rows: number, columns: number): HTMLElement[] {
  return Array.from({ length: rows }, () => h('tr', { class: 'skeleton-row' }, ...Array.from({ length: columns }, () => h('td', {}, h('span', { class: 'skeleton' })))));
}
