// The same format rules as the API (src/studyspot/kit/india.py), so a form
// says what is wrong before the request instead of after it. The API stays
// the judge: a 422 from it is shown field by field too.

const SEPARATORS = /[\s\-().]/g;
const MOBILE = /^[6-9][0-9]{9}$/;

/** `98765 43210`, `098765-43210`, `919876543210`, `+91 98765 43210` → `+919876543210`; null if not one. */
export function normaliseMobile(raw: string): string | null {
  let digits = raw.trim().replace(SEPARATORS, '');
  if (digits.startsWith('+91')) digits = digits.slice(3);
  else if (digits.startsWith('+')) return null;
  else if (digits.length === 12 && digits.startsWith('91')) digits = digits.slice(2);
  else if (digits.length === 11 && digits.startsWith('0')) digits = digits.slice(1);
  return MOBILE.test(digits) ? `+91${digits}` : null;
}

const GSTIN = /^[0-9]{2}[A-Z]{5}[0-9]{4}[A-Z][1-9A-Z]Z[0-9A-Z]$/;
const BASE36 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The 15th character of a GSTIN: base-36 Luhn mod 36 over the first 14. */
export function gstinCheckCharacter(first14: string): string {
  let total = 0;
  for (let i = 0; i < first14.length; i++) {
    const product = BASE36.indexOf(first14[i] ?? '') * (i % 2 ? 2 : 1);
    total += Math.floor(product / 36) + (product % 36);
  }
  return BASE36[(36 - (total % 36)) % 36] ?? '';
}

export type GstinProblem = 'format' | 'checksum';

/** Why `value` is not a GSTIN, or null when it is one. */
export function gstinProblem(value: string): GstinProblem | null {
  if (!GSTIN.test(value)) return 'format';
  if (gstinCheckCharacter(value.slice(0, 14)) !== value[14]) return 'checksum';
  return null;
}

export const PINCODE = /^[1-9][0-9]{5}$/;
export const HHMM = /^([01][0-9]|2[0-3]):[0-5][0-9]$/;
export const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

// The API's password rules (src/studyspot/kit/passwords.py): at least 8 characters,
// at most 72 bytes in UTF-8 (bcrypt's limit; never cut), taken exactly as typed.
export const PASSWORD_MIN_CHARS = 8;
export const PASSWORD_MAX_BYTES = 72;

export type PasswordProblem = 'v_password' | 'v_password_long';

/** Why the API would refuse `value` as a new password, or null. */
export function passwordProblem(value: string): PasswordProblem | null {
  if ([...value].length < PASSWORD_MIN_CHARS) return 'v_password';
  if (new TextEncoder().encode(value).length > PASSWORD_MAX_BYTES) return 'v_password_long';
  return null;
}

/** Under 18 on `today` (both YYYY-MM-DD, the library's date): the API then sends the
 * student's messages to the guardian, so the desk asks for one. */
export function isMinor(dateOfBirth: string, today: string): boolean {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(dateOfBirth) || !/^\d{4}-\d{2}-\d{2}$/.test(today)) return false;
  // Same month and day, 18 years on: compared as text, as ISO dates sort.
  const eighteenth = `${String(Number(dateOfBirth.slice(0, 4)) + 18).padStart(4, '0')}${dateOfBirth.slice(4)}`;
  return today < eighteenth;
}
