import { describe, expect, it } from 'vitest';
import { newPasswordProblem } from './Passwords';

describe('newPasswordProblem', () => {
  it('names the API rule first', () => expect(newPasswordProblem('short', 'short')).toEqual({ password: 'v_password' }));
  it('then asks for the same password twice', () => expect(newPasswordProblem('a-new-horse-42', 'a-new-horse-43')).toEqual({ repeated: 'v_password_mismatch' }));
  it('lets a good, repeated password through', () => expect(newPasswordProblem('a-new-horse-42', 'a-new-horse-42')).toBeNull());
});
