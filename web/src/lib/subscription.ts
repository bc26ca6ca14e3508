// What the Subscription page derives from the API's answers, as pure functions
// (subscription.test.ts): days left of a trial, how close a limit is, which
// change a plan offers, and what a status leaves working.
import type { components } from '../api/schema';
import type { MessageKey } from '../i18n/en';

export type Subscription = components['schemas']['SubscriptionRead'];
export type Plan = components['schemas']['PlanRead'];
export type Cycle = Subscription['billing_cycle'];
export type Status = Subscription['status'];

export const CYCLES: readonly Cycle[] = ['monthly', 'quarterly', 'half_yearly', 'annual'];
const DAY_MS = 86_400_000;

export const CYCLE_KEYS: Record<Cycle, MessageKey> = {
  monthly: 'cycle_monthly',
  quarterly: 'cycle_quarterly',
  half_yearly: 'cycle_half_yearly',
  annual: 'cycle_annual',
};
export const STATUS_KEYS: Record<Status, MessageKey> = {
  trial: 'sub_status_trial',
  active: 'sub_status_active',
  past_due: 'sub_status_past_due',
  grace: 'sub_status_grace',
  read_only: 'sub_status_read_only',
  suspended: 'sub_status_suspended',
  cancelled: 'sub_status_cancelled',
};

/** Whole days left until the trial ends, rounded up (a trial ending in 2 h has 1 day left); 0 once over. */
export function trialDaysLeft(trialEndsAt: string | null, nowMs: number): number | null {
  if (!trialEndsAt) return null;
  const left = Date.parse(trialEndsAt) - nowMs;
  return left <= 0 ? 0 : Math.ceil(left / DAY_MS);
}

/** A timestamp's date in India (YYYY-MM-DD), where the libraries are. */
export function indiaDate(iso: string | null | undefined): string {
  if (!iso) return '—';
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata', year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

/** Date and time in India (YYYY-MM-DD HH:MM), for the moment an upgrade lapses. */
export function indiaDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const parts = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Kolkata', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' }).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return `${get('year')}-${get('month')}-${get('day')} ${get('hour')}:${get('minute')}`;
}

export type Level = 'unlimited' | 'unknown' | 'ok' | 'warn' | 'full';

/** How close a usage is to its limit: the API warns from 80 % and at 100 % (X-Plan-Limit-Warning). */
export function usageLevel(used: number | null | undefined, limit: number | null): { level: Level; percent: number | null } {
  if (limit === null) return { level: 'unlimited', percent: null };
  if (used === null || used === undefined) return { level: 'unknown', percent: null };
  if (limit === 0) return { level: 'full', percent: 100 }; // nothing may be added
  // Integer arithmetic: 80 % exactly is a warning (32 of 40), as the API counts it.
  const percent = Math.floor((used * 100) / limit);
  if (used * 100 >= limit * 100) return { level: 'full', percent };
  if (used * 100 >= limit * 80) return { level: 'warn', percent };
  return { level: 'ok', percent };
}

/** The most the API lets through (kit/entitlements.py `allowance`): the limit plus the
 * plan's overage, except for message credits, a hard limit. */
export function allowance(limit: number, overagePercent: number, hard: boolean): number {
  return hard ? limit : limit + Math.floor((limit * overagePercent) / 100);
}

export function priceOf(plan: Plan, cycle: Cycle): number {
  switch (cycle) {
    case 'monthly':
      return plan.monthly_price_paise;
    case 'quarterly':
      return plan.quarterly_price_paise;
    case 'half_yearly':
      return plan.half_yearly_price_paise;
    case 'annual':
      return plan.annual_price_paise;
  }
}

export type PlanAction = 'current' | 'chosen' | 'choose' | 'upgrade' | 'downgrade' | 'scheduled' | 'none';

/**
 * What a plan offers to this subscription, by the service's own rules
 * (services/subscription/service.py): on trial or lapsed a public plan is chosen
 * for the next payment; a running one upgrades now to a dearer plan (in its
 * cycle) and downgrades at period end to any other public plan.
 */
export function planAction(sub: Subscription, plan: Plan, cycle: Cycle): PlanAction {
  if (!plan.is_public) return 'none';
  if (sub.status === 'active') {
    if (plan.code === sub.plan_code) return 'current';
    if (plan.code === sub.pending_plan_code) return 'scheduled';
    return priceOf(plan, sub.billing_cycle) > sub.price_paise ? 'upgrade' : 'downgrade';
  }
  if (sub.status === 'cancelled') return 'none';
  if (plan.code === sub.pending_plan_code && cycle === sub.pending_billing_cycle) return 'chosen';
  return 'choose';
}

/** The banner of a status: what it means and what still works. */
export function statusNotice(status: Status): { key: MessageKey; color: string } | null {
  switch (status) {
    case 'trial':
      return null; // the trial has its own banner with the days left
    case 'active':
      return null;
    case 'past_due':
      return { key: 'sub_banner_past_due', color: 'yellow' };
    case 'grace':
      return { key: 'sub_banner_grace', color: 'orange' };
    case 'read_only':
      return { key: 'sub_banner_read_only', color: 'red' };
    case 'suspended':
      return { key: 'sub_banner_suspended', color: 'red' };
    case 'cancelled':
      return { key: 'sub_banner_cancelled', color: 'gray' };
  }
}

/** Whole days of a quote's remaining time (for the sentence beside the amounts). */
export function remainingDays(seconds: number): number {
  return Math.round((seconds / 86_400) * 10) / 10;
}

/** MRR movements of a month, in the order the revenue table shows them. */
export const MOVEMENTS = [
  'new_mrr_paise',
  'expansion_mrr_paise',
  'contraction_mrr_paise',
  'churned_mrr_paise',
  'reactivation_mrr_paise',
  'net_new_mrr_paise',
] as const;

/** A plan form's limit field: empty is unlimited (null); otherwise a whole number ≥ 0. */
export function parseLimit(input: string): number | null | 'invalid' {
  const v = input.trim();
  if (v === '') return null;
  if (!/^\d{1,7}$/.test(v)) return 'invalid';
  const n = Number(v);
  return n > 1_000_000 ? 'invalid' : n;
}

/** Only the fields that changed, for PATCH (the API makes a new version of any change). */
export function changedFields<T extends Record<string, unknown>>(before: T, after: T): Partial<T> {
  const out: Partial<T> = {};
  for (const key of Object.keys(after) as (keyof T)[]) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) out[key] = after[key];
  }
  return out;
}
