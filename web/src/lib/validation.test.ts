import { describe, expect, it } from 'vitest';
import { gstinCheckCharacter, gstinProblem, isMinor, normaliseMobile, passwordProblem } from './validation';

// Same cases as tests of src/studyspot/kit/india.py: the form and the API agree.
describe('normaliseMobile', () => {
  it.each([
    ['98765 43210', '+919876543210'],
    ['098765-43210', '+919876543210'],
    ['919876543210', '+919876543210'],
    ['+91 98765 43210', '+919876543210'],
    ['(+91) 6000-000-000', '+916000000000'],
  ])('accepts %s', (raw, want) => expect(normaliseMobile(raw)).toBe(want));
  it.each(['5876543210', '+1 415 555 0100', '98765', '98765432101', '', 'phone'])('rejects %s', (raw) =>
    expect(normaliseMobile(raw)).toBeNull(),
  );
});

describe('GSTIN', () => {
  it('accepts a GSTIN whose check character matches', () => {
    expect(gstinProblem('27AAPFU0939F1ZV')).toBeNull();
    expect(gstinProblem('29AAGCB7383J1Z4')).toBeNull();
  });
  it('names a typo in the check character', () => {
    expect(gstinProblem('27AAPFU0939F1ZX')).toBe('checksum');
  });
  it('names a wrong shape', () => {
    expect(gstinProblem('27AAPFU0939F1Z')).toBe('format');
    expect(gstinProblem('27aapfu0939f1zv')).toBe('format');
    expect(gstinProblem('27AAPFU0939F0ZV')).toBe('format');
  });
  it('computes the check character by base-36 Luhn', () => {
    expect(gstinCheckCharacter('27AAPFU0939F1Z')).toBe('V');
  });
});

// The API's rules (kit/passwords.py): 8 characters at least, 72 bytes of UTF-8 at most.
describe('passwordProblem', () => {
  it('refuses fewer than 8 characters', () => expect(passwordProblem('seven77')).toBe('v_password'));
  it('counts characters, not bytes, for the minimum', () => expect(passwordProblem('पासवर्डपास')).toBeNull());
  it('refuses more than 72 bytes even when under 72 characters', () => expect(passwordProblem('अ'.repeat(25))).toBe('v_password_long'));
  it('takes exactly 72 bytes', () => expect(passwordProblem('x'.repeat(72))).toBeNull());
});

describe('isMinor', () => {
  it('is a minor until the eighteenth birthday, in the library\'s date', () => {
    expect(isMinor('2008-12-08', '2026-12-07')).toBe(true);
    expect(isMinor('2008-12-07', '2026-12-07')).toBe(false);
    expect(isMinor('1999-02-14', '2026-12-07')).toBe(false);
  });
  it('says nothing of a date not yet typed in full', () => {
    expect(isMinor('2010-1', '2026-12-07')).toBe(false);
    expect(isMinor('', '2026-12-07')).toBe(false);
  });
});
