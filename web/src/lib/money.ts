// Money arrives as integer paise (`*_paise`); it is shown in rupees grouped the
// Indian way (lakh, crore): 15000000 paise -> ₹1,50,000.00. Integer arithmetic
// only, so no amount is ever off by a paisa through floating point.

/** Group the digits of a non-negative integer string the Indian way: 1,50,00,000. */
export function groupIndian(digits: string): string {
  if (digits.length <= 3) return digits;
  const last3 = digits.slice(-3);
  let rest = digits.slice(0, -3);
  const parts: string[] = [];
  while (rest.length > 2) {
    parts.unshift(rest.slice(-2));
    rest = rest.slice(0, -2);
  }
  if (rest) parts.unshift(rest);
  return `${parts.join(',')},${last3}`;
}

/** ₹1,50,000.00 from 15000000; negative amounts as −₹500.00. */
export function formatPaise(paise: number, opts: { paiseAlways?: boolean } = {}): string {
  if (!Number.isSafeInteger(paise)) throw new RangeError(`not an amount in paise: ${paise}`);
  const negative = paise < 0;
  const abs = Math.abs(paise);
  const rupees = Math.floor(abs / 100);
  const rest = abs % 100;
  const showPaise = opts.paiseAlways !== false || rest !== 0;
  const text = `₹${groupIndian(String(rupees))}${showPaise ? `.${String(rest).padStart(2, '0')}` : ''}`;
  return negative ? `−${text}` : text;
}

/**
 * Paise from what a person types in rupees: "1,500", "1500.5", "₹ 1,50,000.00".
 * Returns null when it is not an amount (more than two decimals, letters, empty).
 */
export function parseRupees(input: string): number | null {
  const cleaned = input.replace(/[₹,\s]/g, '');
  const m = /^(\d{1,11})(?:\.(\d{1,2}))?$/.exec(cleaned);
  if (!m) return null;
  const rupees = Number(m[1]);
  const paise = Number((m[2] ?? '').padEnd(2, '0') || '0');
  return rupees * 100 + paise;
}
