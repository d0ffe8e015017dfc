/**
 * Money in the analytics modules: whole cents (hundredths of the price's currency unit).
 *
 * Each purchase line is worth `quantity × round(price × 100)` cents, an integer. Sums of integers
 * below 2^53 are exact in any order, so revenue per window, per customer and per basket agree with
 * one another and with a recount from the raw events to the cent, whatever the batch boundaries.
 * Prices arrive as float32: above about 167,772 (2^24 cents) they are not cent-exact anyway.
 */

/** Cents per unit of the price's currency. */
export const CENTS = 100;

/**
 * Value of one purchase line in cents, or −1 when the line cannot be a sale: a quantity that is
 * not a positive integer, a price that is not positive, or a value of 2^53 cents or more (beyond
 * exact arithmetic; validated events stay far below). A price under half a cent is worth 0.
 */
export function lineCents(quantity: number, price: number): number {
  if (!(Number.isInteger(quantity) && quantity > 0 && price > 0 && price <= Number.MAX_VALUE)) {
    return -1;
  }
  const cents = Math.round(price * CENTS) * quantity;
  return Number.isSafeInteger(cents) ? cents : -1;
}

/** Cents as an amount of currency. */
export function fromCents(cents: number): number {
  return cents / CENTS;
}
