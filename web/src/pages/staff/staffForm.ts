// The add-staff form checks what the API checks (StaffCreate): a name, an
// email or an Indian mobile to log in with, a role and at least one branch,
// each listed once. The API stays the judge; its 422 is shown field by field.
import type { components } from '../../api/schema';
import type { MessageKey } from '../../i18n/en';
import { EMAIL, normaliseMobile } from '../../lib/validation';

export type StaffCreate = components['schemas']['StaffCreate'];
export type StaffRole = StaffCreate['role'];

export interface StaffForm {
  name: string;
  email: string;
  phone: string;
  role: StaffRole;
  libraryIds: string[];
}

export const EMPTY_STAFF_FORM: StaffForm = { name: '', email: '', phone: '', role: 'staff', libraryIds: [] };
export const MAX_BRANCHES = 50;

export type StaffErrors = Partial<Record<'name' | 'email' | 'phone' | 'libraryIds', MessageKey>>;

export function validateStaff(f: StaffForm): StaffErrors {
  const e: StaffErrors = {};
  const name = f.name.trim();
  if (!name) e.name = 'v_required';
  else if (name.length > 120) e.name = 'v_too_long';
  const email = f.email.trim();
  const phone = f.phone.trim();
  if (email && (!EMAIL.test(email) || email.length > 254)) e.email = 'v_email';
  if (phone && !normaliseMobile(phone)) e.phone = 'v_mobile';
  if (!email && !phone) e.email = 'v_email_or_phone';
  if (f.libraryIds.length === 0) e.libraryIds = 'v_branch_required';
  else if (f.libraryIds.length > MAX_BRANCHES) e.libraryIds = 'v_too_many_branches';
  return e;
}

/** The POST /api/v1/libraries/staff body of a valid form (phone as +91…, branches once each). */
export function staffBody(f: StaffForm): StaffCreate {
  const email = f.email.trim();
  const phone = f.phone.trim();
  return {
    name: f.name.trim(),
    email: email || null,
    phone: phone ? normaliseMobile(phone) : null,
    role: f.role,
    library_ids: [...new Set(f.libraryIds)],
  };
}
