import { describe, expect, it } from 'vitest';
import { checkInProblem, codeFromFragment, refetchDelay } from './problems';

describe('check-in problems', () => {
  it('names every refusal the check-in API answers', () => {
    for (const code of ['code_expired', 'code_replayed', 'no_active_booking', 'outside_shift', 'already_checked_in', 'not_checked_in', 'invalid_code', 'seat_released']) {
      expect(checkInProblem(code)).toBe(`att_p_${code}`);
    }
    expect(checkInProblem('validation_error')).toBeNull();
  });

  it('reads the code from the fragment only', () => {
    expect(codeFromFragment('#code=d.abc.def.123.k1.mac')).toBe('d.abc.def.123.k1.mac');
    expect(codeFromFragment('')).toBeNull();
    expect(codeFromFragment('#key=sdk1.x')).toBeNull();
    expect(codeFromFragment(`#code=${'x'.repeat(301)}`)).toBeNull();
  });

  it('fetches the next code when its step starts, within 1 to 30 seconds', () => {
    const now = Date.parse('2026-03-01T06:00:10Z');
    expect(refetchDelay('2026-03-01T06:00:30Z', now)).toBe(20_250);
    expect(refetchDelay('2026-03-01T06:00:05Z', now)).toBe(1_000);
    expect(refetchDelay('2026-03-01T07:00:00Z', now)).toBe(30_000);
    expect(refetchDelay('not a time', now)).toBe(30_000);
  });
});
