// The check-in problems a student is told in words (the API's stable codes), and
// when a rotating code should be fetched again.
import type { MessageKey } from '../../i18n/en';

const WORDS: Record<string, MessageKey> = {
  code_expired: 'att_p_code_expired',
  code_replayed: 'att_p_code_replayed',
  no_active_booking: 'att_p_no_active_booking',
  outside_shift: 'att_p_outside_shift',
  already_checked_in: 'att_p_already_checked_in',
  not_checked_in: 'att_p_not_checked_in',
  invalid_code: 'att_p_invalid_code',
  seat_released: 'att_p_seat_released',
};

/** The sentence for a check-in problem code, or null when the API's own detail is shown. */
export function checkInProblem(code: string): MessageKey | null {
  return WORDS[code] ?? null;
}

/** The code in a check-in URL's fragment (`#code=…`), or null. */
export function codeFromFragment(hash: string): string | null {
  const params = new URLSearchParams(hash.replace(/^#/, ''));
  const code = params.get('code');
  return code && code.length <= 300 ? code : null;
}

/**
 * Milliseconds until a rotating code should be fetched again: at its `refresh_at`
 * (a quarter second after, so the server is in the new step), never sooner than 1 s
 * (a clock ahead of the server's) and never later than 30 s (one step).
 */
export function refetchDelay(refreshAt: string, now: number = Date.now()): number {
  const due = Date.parse(refreshAt) - now + 250;
  if (Number.isNaN(due)) return 30_000;
  return Math.min(30_000, Math.max(1_000, due));
}
