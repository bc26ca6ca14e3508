import { describe, expect, it } from 'vitest';
import { fieldsOf, formOf } from './planForm';
import { changedFields, type Plan } from './subscription';

const starter: Plan = {
  code: 'starter', version: 1, name: 'Starter', description: 'One library', is_current: true, is_public: true,
  monthly_price_paise: 99_900, quarterly_price_paise: 284_700, half_yearly_price_paise: 539_400, annual_price_paise: 999_000,
  max_libraries: 1, max_seats: 100, max_students: 300, max_staff: 5, monthly_message_credits: null, overage_percent: 10,
  features: ['email_reminders', 'whatsapp'], created_at: '2026-12-01T00:00:00Z',
};

describe('the plan form', () => {
  it('shows a plan in rupees, empty for unlimited, and reads it back unchanged', () => {
    const form = formOf(starter);
    expect(form.annual_price_paise).toBe('9,990.00');
    expect(form.monthly_message_credits).toBe('');
    expect(form.features).toBe('email_reminders, whatsapp');
    const { fields } = fieldsOf(form);
    expect(fields).toMatchObject({ annual_price_paise: 999_000, monthly_message_credits: null, max_seats: 100, overage_percent: 10, features: ['email_reminders', 'whatsapp'] });
  });
  it('an edit sends only the changed price, in paise', () => {
    const before = fieldsOf(formOf(starter)).fields!;
    const after = fieldsOf({ ...formOf(starter), monthly_price_paise: '1,099' }).fields!;
    expect(changedFields(before, after)).toEqual({ monthly_price_paise: 109_900 });
  });
  it('refuses what the API would refuse', () => {
    const { fields, errors } = fieldsOf({ ...formOf(null), name: ' ', monthly_price_paise: '12.345', max_seats: '-1', overage_percent: '101' });
    expect(fields).toBeNull();
    expect(errors).toMatchObject({ name: 'v_required', monthly_price_paise: 'v_amount', max_seats: 'v_whole_number', overage_percent: 'v_whole_number' });
  });
});
