// The business settings form: the same rules as the tenant API
// (TenantOwnerUpdate: name 1-120, a contact email, an optional phone in
// international form — an Indian mobile may be typed the usual ways —, an optional GSTIN whose check character must match), and a PATCH body with
// only what changed, so saving the name never rewrites a GSTIN someone else
// just corrected. Clearing the phone or the GSTIN sends null; the name and
// the email cannot be cleared.
import type { components } from '../../api/schema';
import type { MessageKey } from '../../i18n/en';
import { EMAIL, gstinProblem, normaliseMobile } from '../../lib/validation';

export type OwnTenant = components['schemas']['OwnTenantRead'];
export type TenantUpdate = components['schemas']['TenantOwnerUpdate'];

export interface TenantForm {
  name: string;
  contactEmail: string;
  phone: string;
  gstin: string;
}

export type TenantErrors = Partial<Record<keyof TenantForm, MessageKey>>;

const E164 = /^\+[1-9][0-9]{9,14}$/;

/** The phone as the API stores it: +91… for an Indian mobile typed any usual way, else +<country><number>. */
export function normalisePhone(raw: string): string | null {
  const indian = normaliseMobile(raw);
  if (indian) return indian;
  const compact = raw.trim().replace(/[\s\-().]/g, '');
  return E164.test(compact) ? compact : null;
}

export function formOf(t: OwnTenant): TenantForm {
  return { name: t.name, contactEmail: t.contact_email, phone: t.phone ?? '', gstin: t.gstin ?? '' };
}

export function validateTenant(f: TenantForm): TenantErrors {
  const e: TenantErrors = {};
  const name = f.name.trim();
  if (!name) e.name = 'v_required';
  else if (name.length > 120) e.name = 'v_too_long';
  const email = f.contactEmail.trim();
  if (!email) e.contactEmail = 'v_required';
  else if (!EMAIL.test(email) || email.length > 254) e.contactEmail = 'v_email';
  if (f.phone.trim() && !normalisePhone(f.phone)) e.phone = 'v_phone';
  const gstin = f.gstin.trim().toUpperCase();
  if (gstin) {
    const p = gstinProblem(gstin);
    if (p) e.gstin = p === 'format' ? 'v_gstin_format' : 'v_gstin_checksum';
  }
  return e;
}

/** The fields of a valid form that differ from the tenant as read; empty when nothing changed. */
export function tenantChanges(before: OwnTenant, f: TenantForm): TenantUpdate {
  const body: TenantUpdate = {};
  const name = f.name.trim();
  if (name !== before.name) body.name = name;
  const email = f.contactEmail.trim();
  if (email !== before.contact_email) body.contact_email = email;
  const phone = f.phone.trim() ? normalisePhone(f.phone) : null;
  if (phone !== (before.phone ?? null)) body.phone = phone;
  const gstin = f.gstin.trim() ? f.gstin.trim().toUpperCase() : null;
  if (gstin !== (before.gstin ?? null)) body.gstin = gstin;
  return body;
}
