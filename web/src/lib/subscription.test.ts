import { describe, expect, it } from 'vitest';
import { allowance, changedFields, indiaDate, indiaDateTime, parseLimit, planAction, priceOf, statusNotice, trialDaysLeft, usageLevel, type Plan, type Subscription } from './subscription';

const plan = (code: string, monthly: number, extra: Partial<Plan> = {}): Plan => ({
  code, version: 1, name: code, description: '', is_current: true, is_public: true,
  monthly_price_paise: monthly, quarterly_price_paise: monthly * 3, half_yearly_price_paise: monthly * 6, annual_price_paise: monthly * 10,
  max_libraries: 1, max_seats: 100, max_students: 200, max_staff: 3, monthly_message_credits: 100, overage_percent: 0, features: [],
  created_at: '2026-12-01T00:00:00Z', ...extra,
});
const sub = (extra: Partial<Subscription> = {}): Subscription => ({
  id: 's', tenant_id: 't', plan_code: 'starter', plan_version: 1, billing_cycle: 'monthly', price_paise: 99_900, status: 'active',
  trial_ends_at: null, current_period_start: '2026-12-01T00:00:00Z', current_period_end: '2027-01-01T00:00:00Z', status_since: '2026-12-01T00:00:00Z',
  pending_plan_code: null, pending_billing_cycle: null, cancel_at_period_end: false,
  max_libraries: 1, max_seats: 100, max_students: 200, max_staff: 3, monthly_message_credits: 100, overage_percent: 0, features: [],
  amount_due_paise: 0, ...extra,
});

describe('trial days left', () => {
  const now = Date.parse('2026-12-06T20:00:00Z');
  it('rounds a part day up and is 0 once over', () => {
    expect(trialDaysLeft('2026-12-20T20:00:00Z', now)).toBe(14);
    expect(trialDaysLeft('2026-12-06T22:00:00Z', now)).toBe(1);
    expect(trialDaysLeft('2026-12-06T19:00:00Z', now)).toBe(0);
    expect(trialDaysLeft(null, now)).toBeNull();
  });
  it('dates are India dates: after 18:30 UTC it is tomorrow', () => {
    expect(indiaDate('2026-12-06T18:29:00Z')).toBe('2026-12-06');
    expect(indiaDate('2026-12-06T18:30:00Z')).toBe('2026-12-07');
    expect(indiaDate(null)).toBe('—');
  });
  it('an upgrade lapses at an India date and time, on a 24-hour clock', () => {
    expect(indiaDateTime('2026-12-06T18:45:00Z')).toBe('2026-12-07 00:15');
    expect(indiaDateTime('2026-05-16T00:30:00Z')).toBe('2026-05-16 06:00');
    expect(indiaDateTime(null)).toBe('—');
  });
});

describe('usage against a limit', () => {
  it('warns from 80 % and is full at 100 %, as the API', () => {
    expect(usageLevel(31, 40)).toEqual({ level: 'ok', percent: 77 });
    expect(usageLevel(32, 40)).toEqual({ level: 'warn', percent: 80 });
    expect(usageLevel(40, 40)).toEqual({ level: 'full', percent: 100 });
    expect(usageLevel(44, 40)).toEqual({ level: 'full', percent: 110 });
  });
  it('unlimited and unreported are said, not drawn', () => {
    expect(usageLevel(5, null).level).toBe('unlimited');
    expect(usageLevel(null, 40).level).toBe('unknown');
    expect(usageLevel(0, 0).level).toBe('full');
  });
  it('overage lets through more, except a hard limit', () => {
    expect(allowance(40, 10, false)).toBe(44);
    expect(allowance(45, 10, false)).toBe(49);
    expect(allowance(100, 10, true)).toBe(100);
  });
});

describe('what a plan offers', () => {
  const starter = plan('starter', 99_900);
  const pro = plan('professional', 249_900);
  const free = plan('free', 0);
  it('a running subscription upgrades to a dearer plan now and downgrades to a cheaper one', () => {
    expect(planAction(sub(), pro, 'monthly')).toBe('upgrade');
    expect(planAction(sub(), free, 'monthly')).toBe('downgrade');
    expect(planAction(sub(), starter, 'monthly')).toBe('current');
    expect(planAction(sub({ pending_plan_code: 'free' }), free, 'monthly')).toBe('scheduled');
  });
  it('compares prices in the subscription’s own cycle', () => {
    const annual = sub({ billing_cycle: 'annual', price_paise: 999_000 });
    expect(planAction(annual, plan('x', 90_000), 'monthly')).toBe('downgrade'); // 9,00,000 a year
    expect(planAction(annual, plan('y', 110_000), 'monthly')).toBe('upgrade');
  });
  it('on trial or lapsed a plan is chosen for the next payment', () => {
    const trial = sub({ status: 'trial', plan_code: 'trial', price_paise: 0, pending_plan_code: 'starter', pending_billing_cycle: 'monthly' });
    expect(planAction(trial, starter, 'monthly')).toBe('chosen');
    expect(planAction(trial, starter, 'annual')).toBe('choose');
    expect(planAction(sub({ status: 'read_only' }), pro, 'monthly')).toBe('choose');
    expect(planAction(trial, plan('secret', 1, { is_public: false }), 'monthly')).toBe('none');
  });
  it('prices per cycle', () => {
    expect(priceOf(starter, 'annual')).toBe(999_000);
    expect(priceOf(starter, 'half_yearly')).toBe(599_400);
  });
});

describe('status banners', () => {
  it('explain every lapsed state and none for a running one', () => {
    expect(statusNotice('active')).toBeNull();
    expect(statusNotice('read_only')?.key).toBe('sub_banner_read_only');
    expect(statusNotice('suspended')?.key).toBe('sub_banner_suspended');
    expect(statusNotice('past_due')?.key).toBe('sub_banner_past_due');
  });
});

describe('plan form', () => {
  it('empty is unlimited, numbers are whole', () => {
    expect(parseLimit('')).toBeNull();
    expect(parseLimit(' 40 ')).toBe(40);
    expect(parseLimit('4.5')).toBe('invalid');
    expect(parseLimit('2000000')).toBe('invalid');
  });
  it('sends only what changed', () => {
    expect(changedFields({ a: 1, b: [1], c: null }, { a: 1, b: [1, 2], c: 3 })).toEqual({ b: [1, 2], c: 3 });
  });
});
