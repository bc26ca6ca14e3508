// What the platform admin's tenant page derives from the API's answers, as pure
// functions (tenantAdmin.test.ts): the limits override form and a readable line for
// each change in the subscription's history.
import type { components } from '../api/schema';
import type { MessageKey } from '../i18n/en';
import { formatPaise } from './money';
import { LIMITS } from './planForm';
import { parseLimit, type Subscription } from './subscription';

export type LimitsOverride = components['schemas']['LimitsOverride'];
export type SubscriptionChange = components['schemas']['SubscriptionChange'];
export type LimitsForm = Record<(typeof LIMITS)[number] | 'overage_percent', string>;

/** The subscription's own limits as the form's strings (empty: unlimited). */
export function limitsFormOf(sub: Subscription): LimitsForm {
  const form = { overage_percent: String(sub.overage_percent) } as LimitsForm;
  for (const l of LIMITS) form[l] = sub[l] === null ? '' : String(sub[l]);
  return form;
}

/** What identifies the limits the form was filled from. */
export function limitsKey(sub: Subscription): string {
  return JSON.stringify(Object.values(limitsFormOf(sub)));
}

/** Only the limits that differ from the subscription's (the PATCH body), or the field
 *  errors: a limit is empty (unlimited) or a whole number up to 1,000,000, overage 0–100. */
export function limitsChanges(sub: Subscription, form: LimitsForm): { changes: LimitsOverride; errors: Partial<Record<keyof LimitsForm, MessageKey>> } {
  const changes: LimitsOverride = {};
  const errors: Partial<Record<keyof LimitsForm, MessageKey>> = {};
  for (const l of LIMITS) {
    const v = parseLimit(form[l]);
    if (v === 'invalid') errors[l] = 'v_whole_number';
    else if (v !== sub[l]) changes[l] = v;
  }
  const overage = form.overage_percent.trim();
  const n = Number(overage);
  if (!/^\d{1,3}$/.test(overage) || n > 100) errors.overage_percent = 'v_whole_number';
  else if (n !== sub.overage_percent) changes.overage_percent = n;
  return { changes, errors };
}

/** What a history entry says beyond its action: the amounts, references, plans and
 *  documents its details name (the audit row's own fields, nothing inferred). */
export function changeSummary(change: SubscriptionChange): string {
  const d = change.details as Record<string, unknown>;
  const parts: string[] = [];
  const text = (k: string) => (typeof d[k] === 'string' || typeof d[k] === 'number' ? String(d[k]) : null);
  if (typeof d.amount_paise === 'number') parts.push(formatPaise(d.amount_paise));
  for (const k of ['reference', 'invoice_number', 'credit_note_number']) if (text(k)) parts.push(text(k)!);
  if (typeof d.to === 'string') parts.push(`→ ${d.to}`);
  if (d.to && typeof d.to === 'object') {
    parts.push(
      Object.entries(d.to as Record<string, unknown>)
        .map(([k, v]) => `${k}: ${v === null ? '∞' : String(v)}`)
        .join(', '),
    );
  }
  return parts.join(' · ');
}

/** `subscription.invoice_paid` → `invoice paid`. */
export function actionLabel(action: string): string {
  return action.replace(/^subscription\./, '').replace(/_/g, ' ');
}
