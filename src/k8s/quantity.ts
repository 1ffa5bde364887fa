/**
 * Kubernetes resource quantities ("500m", "2", "1.5Gi", "1e3") as numbers, following apimachinery's
 * grammar: a signed decimal number, then a binary suffix (Ki…Ei), a decimal suffix (n, u, m, k, M…E) or a
 * decimal exponent. client-node's own parser is not part of its public API and refuses fractions with a
 * suffix ("1.5Gi"), which the apiserver accepts.
 */
const QUANTITY = /^([+-]?(?:\d+(?:\.\d*)?|\.\d+))(?:([KMGTPE]i)|([numkMGTPE])|[eE]([+-]?\d+))?$/;

const BINARY: Record<string, number> = { Ki: 1, Mi: 2, Gi: 3, Ti: 4, Pi: 5, Ei: 6 };
const DECIMAL: Record<string, number> = { n: -9, u: -6, m: -3, k: 3, M: 6, G: 9, T: 12, P: 15, E: 18 };

/** The quantity's value in its base unit (cores, bytes), or undefined when `quantity` is not one. */
export function parseQuantity(quantity: string): number | undefined {
  const match = QUANTITY.exec(quantity);
  if (!match) return undefined;
  const [, number, binary, decimal, exponent] = match;
  const base = Number(number);
  if (binary) return base * 1024 ** BINARY[binary]!;
  if (decimal) return base * 10 ** DECIMAL[decimal]!;
  if (exponent) return base * 10 ** Number(exponent);
  return base;
}
