/**
 * Counts in prose: "15,000" and "1 row" / "2 rows". Every message, table and page that prints a
 * number of things goes through `plural`, so a count of one never reads "1 rows".
 */

/**
 * The decimal digits of a whole number, without exponent: String() switches to "6.4e+23" from 1e21
 * on; toLocaleString writes the shortest digits followed by zeros, and so does this.
 */
function integerDigits(n: number): string {
  const text = String(n);
  const match = /^(\d)(?:\.(\d+))?e\+(\d+)$/.exec(text);
  if (!match) return text;
  const mantissa = match[1]! + (match[2] ?? '');
  return mantissa + '0'.repeat(Number(match[3]) - (mantissa.length - 1));
}

/**
 * 15000 -> "15,000", independent of the machine's locale (written out: the first toLocaleString
 * call loads ICU's number formats, which costs a one-shot CLI about 15 ms).
 */
export function formatCount(n: number): string {
  if (!Number.isInteger(n)) return String(n);
  const digits = integerDigits(Math.abs(n));
  let grouped = '';
  for (let i = 0; i < digits.length; i++) {
    if (i > 0 && (digits.length - i) % 3 === 0) grouped += ',';
    grouped += digits[i];
  }
  return n < 0 ? `-${grouped}` : grouped;
}

/**
 * `n` and the noun that goes with it: plural("row", 1) is "1 row", plural("row", 15000) is
 * "15,000 rows"; `many` for irregular plurals ("batch", "batches"). Only exactly one is singular
 * ("0 rows", "1.5 steps").
 */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${formatCount(n)} ${n === 1 ? one : many}`;
}

/** The noun alone, for a count printed elsewhere (a bold number, a table cell): noun(1, "row"). */
export function noun(n: number, one: string, many = `${one}s`): string {
  return n === 1 ? one : many;
}
