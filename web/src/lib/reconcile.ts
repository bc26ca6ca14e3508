// Which payments wait on someone else, and how long they have waited.
// Provider payments (Razorpay, Cashfree) still open are settled by the payment
// service's reconciliation job; UPI transfers with a UTR wait for staff to find
// them on the bank statement. Values come from the API schema's enums.
import type { components } from '../api/schema';

type Payment = components['schemas']['PaymentRead'];
export type Method = Payment['method'];
export type Status = Payment['status'];

/** Online methods whose provider is asked about open payments automatically. */
export const RECONCILABLE_METHODS = ['razorpay', 'cashfree'] as const satisfies readonly Method[];
/** A payment is open (not yet captured or failed) in these statuses. */
export const OPEN_STATUSES = ['created', 'pending'] as const satisfies readonly Status[];
/** A UPI payment whose UTR was submitted and that staff have not yet verified. */
export const UPI_AWAITING = { method: 'upi', status: 'pending' } as const satisfies { method: Method; status: Status };

export function awaitsProvider(p: Pick<Payment, 'method' | 'status'>): boolean {
  return (RECONCILABLE_METHODS as readonly Method[]).includes(p.method) && (OPEN_STATUSES as readonly Status[]).includes(p.status);
}

export function awaitsStaff(p: Pick<Payment, 'method' | 'status'>): boolean {
  return p.method === UPI_AWAITING.method && p.status === UPI_AWAITING.status;
}

/** The provider payments still open, as the list endpoint's multi-value filters: one call. */
export function providerQuery(): { method: Method[]; status: Status[] } {
  return { method: [...RECONCILABLE_METHODS], status: [...OPEN_STATUSES] };
}

type ReconStatus = components['schemas']['ReconciliationStatusRead'];

export type NextRun =
  | { key: 'rc_next_off' }
  | { key: 'rc_next_unknown'; minutes: number }
  | { key: 'rc_next_due' | 'rc_next_overdue'; at: string };

/** What to say about the next pass: off, not yet scheduled (every N min), due at, or overdue. */
export function nextRun(s: Pick<ReconStatus, 'periodic_interval_seconds' | 'next_run_due_at'>, now: number = Date.now()): NextRun {
  if (!s.periodic_interval_seconds) return { key: 'rc_next_off' };
  if (!s.next_run_due_at) return { key: 'rc_next_unknown', minutes: Math.max(1, Math.round(s.periodic_interval_seconds / 60)) };
  return { key: Date.parse(s.next_run_due_at) < now ? 'rc_next_overdue' : 'rc_next_due', at: s.next_run_due_at };
}

export type Age = { key: 'age_just_now' } | { key: 'age_minutes' | 'age_hours' | 'age_days'; n: number };

/** How long ago `createdAt` was, in the largest whole unit (a clock behind the server counts as just now). */
export function ageOf(createdAt: string, now: number = Date.now()): Age {
  const minutes = Math.floor((now - Date.parse(createdAt)) / 60_000);
  if (!(minutes >= 1)) return { key: 'age_just_now' };
  if (minutes < 60) return { key: 'age_minutes', n: minutes };
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return { key: 'age_hours', n: hours };
  return { key: 'age_days', n: Math.floor(hours / 24) };
}
