import { describe, expect, it } from 'vitest';
import { EMPTY_STAFF_FORM, staffBody, validateStaff } from './staffForm';

const LIB_A = '3f2b8c1e-9a4d-4c2e-8f1a-0b9c8d7e6f5a';
const LIB_B = '7d1e2f3a-4b5c-4d6e-8f70-1a2b3c4d5e6f';

describe('add staff form', () => {
  it('asks for a name, a login (email or mobile) and a branch, like the API', () => {
    expect(validateStaff(EMPTY_STAFF_FORM)).toEqual({ name: 'v_required', email: 'v_email_or_phone', libraryIds: 'v_branch_required' });
  });

  it('accepts an email alone or a mobile alone', () => {
    expect(validateStaff({ ...EMPTY_STAFF_FORM, name: 'Ravi', email: 'ravi@example.in', libraryIds: [LIB_A] })).toEqual({});
    expect(validateStaff({ ...EMPTY_STAFF_FORM, name: 'Ravi', phone: '098765-43210', libraryIds: [LIB_A] })).toEqual({});
  });

  it('refuses a phone that is not an Indian mobile and a malformed email', () => {
    expect(validateStaff({ ...EMPTY_STAFF_FORM, name: 'Ravi', phone: '12345', email: 'ravi@', libraryIds: [LIB_A] })).toEqual({
      phone: 'v_mobile',
      email: 'v_email',
    });
  });

  it('refuses a name longer than the API allows', () => {
    expect(validateStaff({ ...EMPTY_STAFF_FORM, name: 'x'.repeat(121), email: 'a@b.in', libraryIds: [LIB_A] }).name).toBe('v_too_long');
  });

  it('sends the phone as +91…, blanks as null, and each branch once', () => {
    expect(
      staffBody({ name: ' Ravi Kumar ', email: ' ', phone: '98765 43210', role: 'manager', libraryIds: [LIB_A, LIB_B, LIB_A] }),
    ).toEqual({ name: 'Ravi Kumar', email: null, phone: '+919876543210', role: 'manager', library_ids: [LIB_A, LIB_B] });
  });
});
