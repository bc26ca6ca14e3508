// The platform admin's plan form (pages/admin/PlansPage.tsx): from a plan to the form's
// strings and back to the API's body, with the form's own checks (planForm.test.ts).
import type { components } from '../api/schema';
import type { MessageKey } from '../i18n/en';
import { formatPaise, parseRupees } from './money';
import { parseLimit, type Plan } from './subscription';

export type PlanCreate = components['schemas']['PlanCreate'];
export type Fields = Omit<PlanCreate, 'code'>;

export const PRICES = ['monthly_price_paise', 'quarterly_price_paise', 'half_yearly_price_paise', 'annual_price_paise'] as const;
export const LIMITS = ['max_libraries', 'max_seats', 'max_students', 'max_staff', 'monthly_message_credits'] as const;
export const PRICE_KEYS: Record<(typeof PRICES)[number], MessageKey> = {
  monthly_price_paise: 'cycle_monthly',
  quarterly_price_paise: 'cycle_quarterly',
  half_yearly_price_paise: 'cycle_half_yearly',
  annual_price_paise: 'cycle_annual',
};
export const LIMIT_KEYS: Record<(typeof LIMITS)[number], MessageKey> = {
  max_libraries: 'usage_libraries',
  max_seats: 'usage_seats',
  max_students: 'usage_students',
  max_staff: 'usage_staff',
  monthly_message_credits: 'usage_message_credits',
};

export type Form = Record<string, string> & { is_public: string };

export function formOf(plan: Plan | null): Form {
  const form: Form = {
    code: plan?.code ?? '',
    name: plan?.name ?? '',
    description: plan?.description ?? '',
    is_public: plan ? String(plan.is_public) : 'true',
    overage_percent: String(plan?.overage_percent ?? 0),
    features: plan?.features.join(', ') ?? '',
  };
  for (const p of PRICES) form[p] = plan ? formatPaise(plan[p]).replace('₹', '') : '';
  for (const l of LIMITS) form[l] = plan && plan[l] !== null ? String(plan[l]) : '';
  return form;
}

/** The body fields of a form, or the field errors (keys of the messages). */
export function fieldsOf(form: Form): { fields: Fields | null; errors: Record<string, MessageKey> } {
  const errors: Record<string, MessageKey> = {};
  if (!form.name?.trim()) errors.name = 'v_required';
  const prices: Partial<Record<(typeof PRICES)[number], number>> = {};
  for (const p of PRICES) {
    const v = parseRupees(form[p] ?? '');
    if (v === null) errors[p] = 'v_amount';
    else prices[p] = v;
  }
  const limits: Partial<Record<(typeof LIMITS)[number], number | null>> = {};
  for (const l of LIMITS) {
    const v = parseLimit(form[l] ?? '');
    if (v === 'invalid') errors[l] = 'v_whole_number';
    else limits[l] = v;
  }
  const overage = Number(form.overage_percent);
  if (!Number.isInteger(overage) || overage < 0 || overage > 100) errors.overage_percent = 'v_whole_number';
  if (Object.keys(errors).length) return { fields: null, errors };
  const features = (form.features ?? '').split(',').map((f) => f.trim()).filter(Boolean);
  return {
    fields: {
      name: form.name!.trim(),
      description: form.description ?? '',
      is_public: form.is_public === 'true',
      ...(prices as Record<(typeof PRICES)[number], number>),
      ...limits,
      overage_percent: overage,
      features,
    },
    errors,
  };
}
