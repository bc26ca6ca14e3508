import { describe, expect, it } from 'vitest';
import { formOf, normalisePhone, tenantChanges, validateTenant, type OwnTenant } from './tenantForm';

// 27AAPFU0939F1ZV is a GSTIN with a valid check character (the API's own test value).
const VALID_GSTIN = '27AAPFU0939F1ZV';

const TENANT: OwnTenant = {
  id: 'b3c1d2e4-0000-4000-8000-000000000001',
  name: 'Gyan Library',
  slug: 'gyan-library',
  contact_email: 'owner@gyan.in',
  phone: '+919876543210',
  gstin: null,
  status: 'active',
  created_at: '2026-03-01T00:00:00+00:00',
  updated_at: '2026-03-01T00:00:00+00:00',
};

describe('business settings form', () => {
  it('sends nothing when nothing changed', () => {
    expect(tenantChanges(TENANT, formOf(TENANT))).toEqual({});
  });

  it('sends only the changed fields', () => {
    expect(tenantChanges(TENANT, { ...formOf(TENANT), gstin: VALID_GSTIN.toLowerCase() })).toEqual({ gstin: VALID_GSTIN });
    expect(tenantChanges(TENANT, { ...formOf(TENANT), name: '  Gyan Reading Room ' })).toEqual({ name: 'Gyan Reading Room' });
  });

  it('clears the phone with null, and does not resend a phone typed another way', () => {
    expect(tenantChanges(TENANT, { ...formOf(TENANT), phone: '' })).toEqual({ phone: null });
    expect(tenantChanges(TENANT, { ...formOf(TENANT), phone: '098765 43210' })).toEqual({});
  });

  it('refuses a GSTIN whose check character is wrong, and says which problem it is', () => {
    const wrongCheck = `${VALID_GSTIN.slice(0, 14)}${VALID_GSTIN[14] === 'A' ? 'B' : 'A'}`;
    expect(validateTenant({ ...formOf(TENANT), gstin: wrongCheck }).gstin).toBe('v_gstin_checksum');
    expect(validateTenant({ ...formOf(TENANT), gstin: '27AAPFU0939' }).gstin).toBe('v_gstin_format');
    expect(validateTenant({ ...formOf(TENANT), gstin: VALID_GSTIN })).toEqual({});
  });

  it('requires the name and a valid contact email', () => {
    expect(validateTenant({ ...formOf(TENANT), name: ' ', contactEmail: 'owner' })).toEqual({ name: 'v_required', contactEmail: 'v_email' });
  });

  it('takes an Indian mobile typed any usual way, or an international number', () => {
    expect(normalisePhone('98765-43210')).toBe('+919876543210');
    expect(normalisePhone('+44 20 7946 0958')).toBe('+442079460958');
    expect(normalisePhone('12345')).toBeNull();
    expect(validateTenant({ ...formOf(TENANT), phone: '12345' }).phone).toBe('v_phone');
  });
});
