import { describe, expect, it } from 'vitest';
import { offerWaitlist } from './waitlist';

describe('the desk offers the waitlist', () => {
  it('when no reserved seat is free', () => {
    expect(offerWaitlist(false, [{ state: 'held' }, { state: 'booked' }, { state: 'maintenance' }])).toBe(true);
  });
  it('not while one seat is free', () => {
    expect(offerWaitlist(false, [{ state: 'booked' }, { state: 'free' }])).toBe(false);
  });
  it('not before the map has loaded', () => {
    expect(offerWaitlist(false, undefined)).toBe(false);
  });
  it('for a floating plan always (the API decides whether a place is left)', () => {
    expect(offerWaitlist(true, undefined)).toBe(true);
    expect(offerWaitlist(true, [{ state: 'free' }])).toBe(true);
  });
});
