import { describe, expect, it } from 'vitest';
import { checkRefund, refundablePaise } from './refund';

describe('refunds: never more than what is left of the payment', () => {
  it('what is left is the amount less what was refunded', () => {
    expect(refundablePaise({ amount_paise: 150000, refunded_paise: 50000 })).toBe(100000);
    expect(refundablePaise({ amount_paise: 150000, refunded_paise: 150000 })).toBe(0);
  });
  it('refuses an over-refund by one paisa', () => {
    expect(checkRefund('1,000.01', 100000)).toEqual({ problem: 'v_refund_over' });
    expect(checkRefund('1,000', 100000)).toEqual({ paise: 100000 });
  });
  it('refuses zero, negative and non-amounts', () => {
    for (const typed of ['0', '-5', 'abc', '', '1.234']) expect(checkRefund(typed, 100000)).toEqual({ problem: 'v_refund_amount' });
  });
});
