/** A product of the demo shop. */
export interface Product {
  sku: string;
  name: string;
  price: string;
  color: string;
}

/** The demo shop's products. */
export const PRODUCTS: readonly Product[] = [
  { sku: 'apple', name: 'Apple', price: '0.50 EUR', color: '#E53935' },
  { sku: 'pear', name: 'Pear', price: '0.70 EUR', color: '#C0CA33' },
  { sku: 'kiwi', name: 'Kiwi', price: '0.40 EUR', color: '#6D4C41' },
];

/** Finds a product by sku (case-insensitive). */
export function findProduct(sku: string): Product | undefined {
  return PRODUCTS.find((product) => product.sku === sku.toLowerCase());
}
