import { describe, expect, it } from 'vitest';
import type { Subscription } from './subscription';
import { actionLabel, changeSummary, limitsChanges, limitsFormOf, type SubscriptionChange } from './tenantAdmin';

const sub = {
  max_libraries: 1,
  max_seats: 100,
  max_students: 200,
  max_staff: 3,
  monthly_message_credits: null,
  overage_percent: 0,
} as Subscription;

describe('limitsChanges', () => {
  it('sends only what changed; empty is unlimited', () => {
    const form = { ...limitsFormOf(sub), max_students: '450', max_seats: '' };
    expect(limitsChanges(sub, form)).toEqual({ changes: { max_students: 450, max_seats: null }, errors: {} });
  });
  it('refuses what the API would refuse', () => {
    const form = { ...limitsFormOf(sub), max_staff: '2.5', overage_percent: '101' };
    expect(limitsChanges(sub, form).errors).toEqual({ max_staff: 'v_whole_number', overage_percent: 'v_whole_number' });
  });
  it('nothing changed, nothing sent', () => {
    expect(limitsChanges(sub, limitsFormOf(sub)).changes).toEqual({});
  });
});

describe('history lines', () => {
  const change = (action: string, details: Record<string, unknown>) => ({ action, details }) as SubscriptionChange;
  it('names the amount, reference and invoice of a payment', () => {
    const paid = change('subscription.invoice_paid', { amount_paise: 216_099, reference: 'UTR1', invoice_number: 'SS/2026-27/000002', plan_code: 'starter' });
    expect(actionLabel(paid.action)).toBe('invoice paid');
    expect(changeSummary(paid)).toBe('₹2,160.99 · UTR1 · SS/2026-27/000002');
  });
  it('lists the limits an override set', () => {
    expect(changeSummary(change('subscription.limits_overridden', { from: { max_students: 200 }, to: { max_students: 450, monthly_message_credits: null } }))).toBe('max_students: 450, monthly_message_credits: ∞');
  });
});
