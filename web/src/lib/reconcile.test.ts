import { describe, expect, it } from 'vitest';
import { ageOf, awaitsProvider, awaitsStaff, nextRun, providerQuery } from './reconcile';

describe('reconciliation: what waits on whom', () => {
  it('open Razorpay and Cashfree payments wait on the provider', () => {
    for (const method of ['razorpay', 'cashfree'] as const)
      for (const status of ['created', 'pending'] as const) expect(awaitsProvider({ method, status })).toBe(true);
  });
  it('settled payments and other methods do not', () => {
    for (const status of ['captured', 'failed', 'partially_refunded', 'refunded'] as const) expect(awaitsProvider({ method: 'razorpay', status })).toBe(false);
    for (const method of ['cash', 'card', 'bank_transfer', 'upi'] as const) expect(awaitsProvider({ method, status: 'pending' })).toBe(false);
  });
  it('only a UPI payment with a submitted UTR (pending) waits on staff', () => {
    expect(awaitsStaff({ method: 'upi', status: 'pending' })).toBe(true);
    expect(awaitsStaff({ method: 'upi', status: 'created' })).toBe(false);
    expect(awaitsStaff({ method: 'upi', status: 'captured' })).toBe(false);
    expect(awaitsStaff({ method: 'razorpay', status: 'pending' })).toBe(false);
  });
  it('asks for every provider and open status in one call', () => {
    expect(providerQuery()).toEqual({ method: ['razorpay', 'cashfree'], status: ['created', 'pending'] });
  });
});

describe('reconciliation: the next run', () => {
  const now = Date.parse('2026-12-06T12:00:00Z');
  it('is off when the periodic job is switched off', () => {
    expect(nextRun({ periodic_interval_seconds: null, next_run_due_at: '2026-12-06T12:05:00Z' }, now)).toEqual({ key: 'rc_next_off' });
  });
  it('is not yet scheduled before the periodic job first ran', () => {
    expect(nextRun({ periodic_interval_seconds: 300, next_run_due_at: null }, now)).toEqual({ key: 'rc_next_unknown', minutes: 5 });
    expect(nextRun({ periodic_interval_seconds: 20, next_run_due_at: null }, now)).toEqual({ key: 'rc_next_unknown', minutes: 1 });
  });
  it('is due at the recorded time, or overdue once that has passed', () => {
    expect(nextRun({ periodic_interval_seconds: 300, next_run_due_at: '2026-12-06T12:04:00Z' }, now)).toEqual({ key: 'rc_next_due', at: '2026-12-06T12:04:00Z' });
    expect(nextRun({ periodic_interval_seconds: 300, next_run_due_at: '2026-12-06T11:50:00Z' }, now)).toEqual({ key: 'rc_next_overdue', at: '2026-12-06T11:50:00Z' });
  });
});

describe('reconciliation: age', () => {
  const now = Date.parse('2026-12-06T12:00:00Z');
  it('in the largest whole unit', () => {
    expect(ageOf('2026-12-06T11:59:30Z', now)).toEqual({ key: 'age_just_now' });
    expect(ageOf('2026-12-06T11:59:00Z', now)).toEqual({ key: 'age_minutes', n: 1 });
    expect(ageOf('2026-12-06T11:01:00Z', now)).toEqual({ key: 'age_minutes', n: 59 });
    expect(ageOf('2026-12-06T11:00:00Z', now)).toEqual({ key: 'age_hours', n: 1 });
    expect(ageOf('2026-12-05T12:00:01Z', now)).toEqual({ key: 'age_hours', n: 23 });
    expect(ageOf('2026-12-03T12:00:00Z', now)).toEqual({ key: 'age_days', n: 3 });
  });
  it('a creation time ahead of this clock, or unreadable, is just now', () => {
    expect(ageOf('2026-12-06T12:05:00Z', now)).toEqual({ key: 'age_just_now' });
    expect(ageOf('not a date', now)).toEqual({ key: 'age_just_now' });
  });
});
