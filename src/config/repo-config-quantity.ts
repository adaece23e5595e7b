/** Powers of ten of Kubernetes' decimal suffixes ("" is a plain number). */
const DECIMAL_SUFFIX: Readonly<Record<string, number>> = {
  n: -9,
  u: -6,
  m: -3,
  "": 0,
  k: 3,
  M: 6,
  G: 9,
  T: 12,
  P: 15,
  E: 18,
};

/** Powers of two of Kubernetes' binary suffixes. */
const BINARY_SUFFIX: Readonly<Record<string, number>> = {
  Ki: 10,
  Mi: 20,
  Gi: 30,
  Ti: 40,
  Pi: 50,
  Ei: 60,
};

// A suffix or a decimal exponent, never both; "1E" is exa, "1E3" is a thousand (as in Kubernetes).
const QUANTITY = /^(\d+(?:\.\d*)?|\.\d+)(?:[eE]([+-]?\d{1,3})|(Ki|Mi|Gi|Ti|Pi|Ei|[numkMGTPE]))?$/;

/** Past 15 significant digits a double no longer holds the mantissa exactly. */
const MAX_DIGITS = 15;

/**
 * Parses a Kubernetes resource quantity (`500m`, `1.5`, `64Mi`, `1G`, `1e3`) into base units (CPUs,
 * bytes). Returns `undefined` for anything else, including negative numbers.
 *
 * The digits are read as an integer and scaled by one multiplication or division, so the result is
 * the double nearest the exact value: `4000m` is exactly 4 and `50m` equals the literal 0.05, which
 * makes range checks at the limits exact.
 */
export function parseQuantity(text: string): number | undefined {
  const match = QUANTITY.exec(text);
  if (match === null) return undefined;
  const [, number = "", exponent = "0", suffix = ""] = match;
  const [whole = "", fraction = ""] = number.split(".");
  const digits = (whole + fraction).replace(/^0+(?=\d)/, "");
  if (digits.length > MAX_DIGITS) return undefined;
  const mantissa = Number(digits) * 2 ** (BINARY_SUFFIX[suffix] ?? 0);
  const power = Number(exponent) + (DECIMAL_SUFFIX[suffix] ?? 0) - fraction.length;
  return power >= 0 ? mantissa * 10 ** power : mantissa / 10 ** -power;
}
