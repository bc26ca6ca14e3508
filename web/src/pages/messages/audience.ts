// A broadcast's audience as the message service chooses it (docs/messages.md,
// "Choosing the audience"): by branch, shift, booking status (a place today, or a
// booking ending within N days and not renewed) and dues. The service asks the
// services that own those facts and previews the count in its quote (`chosen`);
// more than BROADCAST_MAX students is its 422 `audience_too_large`.
import type { components } from '../../api/schema';

export const BROADCAST_MAX = 500;
export const EXPIRING_MAX_DAYS = 90;
/** At most this many days from `from_date` to `to_date`, both counted (the API's limit). */
export const AUDIENCE_MAX_DAYS = 31;

export type AudienceBody = components['schemas']['BroadcastAudience'];
export type BookingChoice = '' | 'active' | 'expiring';

export interface AudienceChoice {
  library: string | null;
  shift: string | null;
  booking: BookingChoice;
  expiringWithin: number | '';
  withDues: boolean;
  /** The days a shift or active-booking audience holds a place on (YYYY-MM-DD; '': today). */
  fromDate: string;
  toDate: string;
}

export const NO_CHOICE: AudienceChoice = { library: null, shift: null, booking: '', expiringWithin: '', withDues: false, fromDate: '', toDate: '' };

/** Whether the choice is about days (a shift, or a place held): only then are dates sent. */
export function dated(a: AudienceChoice): boolean {
  return Boolean(a.library && a.shift) || a.booking === 'active';
}

function daysBetween(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / 86_400_000);
}

/** The request's `audience`, or the reason the choice cannot be sent yet. */
export function audienceBody(a: AudienceChoice): { audience: AudienceBody } | { problem: 'days' | 'dates' } {
  const audience: AudienceBody = {};
  if (a.library) audience.library_id = a.library;
  // A shift belongs to a branch: without one it is not offered.
  if (a.library && a.shift) audience.shift_id = a.shift;
  if (a.booking === 'active') audience.booking = 'active';
  if (a.booking === 'expiring') {
    const days = a.expiringWithin;
    if (days === '' || !Number.isInteger(days) || days < 0 || days > EXPIRING_MAX_DAYS) return { problem: 'days' };
    audience.booking = 'expiring';
    audience.expiring_within_days = days;
  }
  if (a.withDues) audience.with_dues = true;
  if (dated(a) && (a.fromDate || a.toDate)) {
    // The last day needs a first one; the API refuses a span past AUDIENCE_MAX_DAYS.
    if (!a.fromDate) return { problem: 'dates' };
    audience.from_date = a.fromDate;
    if (a.toDate) {
      const span = daysBetween(a.fromDate, a.toDate);
      if (!(span >= 0 && span < AUDIENCE_MAX_DAYS)) return { problem: 'dates' };
      audience.to_date = a.toDate;
    }
  }
  return { audience };
}

/** A change of branch clears the shift, which belongs to the branch left. */
export function withLibrary(a: AudienceChoice, library: string | null): AudienceChoice {
  return { ...a, library, shift: library === a.library ? a.shift : null };
}
