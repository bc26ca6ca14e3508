import { describe, expect, it } from 'vitest';
import { NO_CHOICE, audienceBody, withLibrary } from './audience';

describe('audienceBody', () => {
  it('asks for every branch when nothing is chosen', () => {
    expect(audienceBody(NO_CHOICE)).toEqual({ audience: {} });
  });

  it('sends each choice the API knows', () => {
    const got = audienceBody({ ...NO_CHOICE, library: 'L', shift: 'S', booking: 'active', withDues: true });
    expect(got).toEqual({ audience: { library_id: 'L', shift_id: 'S', booking: 'active', with_dues: true } });
  });

  it('sends days only with an expiring booking, inside 0..90', () => {
    expect(audienceBody({ ...NO_CHOICE, booking: 'expiring', expiringWithin: 7 })).toEqual({
      audience: { booking: 'expiring', expiring_within_days: 7 },
    });
    expect(audienceBody({ ...NO_CHOICE, booking: 'expiring', expiringWithin: 0 })).toEqual({
      audience: { booking: 'expiring', expiring_within_days: 0 },
    });
    expect(audienceBody({ ...NO_CHOICE, booking: 'active', expiringWithin: 7 })).toEqual({ audience: { booking: 'active' } });
    for (const bad of ['', 91, -1, 2.5] as const) {
      expect(audienceBody({ ...NO_CHOICE, booking: 'expiring', expiringWithin: bad })).toEqual({ problem: 'days' });
    }
  });

  it('sends the days of a shift or active-booking audience, at most 31 in all', () => {
    const shift = { ...NO_CHOICE, library: 'L', shift: 'S' };
    expect(audienceBody({ ...shift, fromDate: '2026-12-10', toDate: '2027-01-09' })).toEqual({
      audience: { library_id: 'L', shift_id: 'S', from_date: '2026-12-10', to_date: '2027-01-09' },
    });
    expect(audienceBody({ ...shift, fromDate: '2026-12-10' })).toEqual({
      audience: { library_id: 'L', shift_id: 'S', from_date: '2026-12-10' },
    });
    expect(audienceBody({ ...NO_CHOICE, booking: 'active', fromDate: '2026-12-10', toDate: '2026-12-10' })).toEqual({
      audience: { booking: 'active', from_date: '2026-12-10', to_date: '2026-12-10' },
    });
    // 32 days, a last day before the first, a last day alone: not sendable.
    expect(audienceBody({ ...shift, fromDate: '2026-12-10', toDate: '2027-01-10' })).toEqual({ problem: 'dates' });
    expect(audienceBody({ ...shift, fromDate: '2026-12-10', toDate: '2026-12-09' })).toEqual({ problem: 'dates' });
    expect(audienceBody({ ...shift, toDate: '2026-12-09' })).toEqual({ problem: 'dates' });
  });

  it('sends no dates for an audience that is not about days', () => {
    expect(audienceBody({ ...NO_CHOICE, withDues: true, fromDate: '2026-12-10', toDate: '2026-12-12' })).toEqual({
      audience: { with_dues: true },
    });
  });

  it('drops a shift without its branch', () => {
    expect(audienceBody({ ...NO_CHOICE, shift: 'S' })).toEqual({ audience: {} });
  });
});

describe('withLibrary', () => {
  it('clears the shift when the branch changes, keeps it otherwise', () => {
    const a = { ...NO_CHOICE, library: 'A', shift: 'S' };
    expect(withLibrary(a, 'B').shift).toBeNull();
    expect(withLibrary(a, 'A').shift).toBe('S');
    expect(withLibrary(a, null)).toEqual({ ...NO_CHOICE });
  });
});
