// The desk's own check of a refund before it is sent: the API refuses the same
// things, but a clerk should learn of a typo before a request leaves the desk.
import type { MessageKey } from '../i18n/en';
import { parseRupees } from './money';

/** What is left to refund of a payment, in paise (never below zero). */
export function refundablePaise(p: { amount_paise: number; refunded_paise: number }): number {
  return Math.max(0, p.amount_paise - p.refunded_paise);
}

/** Paise to refund from what was typed, or the message saying why it cannot be sent. */
export function checkRefund(typed: string, refundable: number): { paise: number } | { problem: MessageKey } {
  const paise = parseRupees(typed);
  if (paise === null || paise <= 0) return { problem: 'v_refund_amount' };
  if (paise > refundable) return { problem: 'v_refund_over' };
  return { paise };
}
