import { describe, expect, it } from 'vitest';
import { moveUp } from './order';

describe('moveUp', () => {
  it('swaps the channel with the one before it', () => expect(moveUp(['whatsapp', 'sms', 'email'], 'email')).toEqual(['whatsapp', 'email', 'sms']));
  it('leaves the first where it is', () => expect(moveUp(['sms', 'email'], 'sms')).toEqual(['sms', 'email']));
  it('ignores a channel not in the order', () => expect(moveUp(['sms'], 'email')).toEqual(['sms']));
});
