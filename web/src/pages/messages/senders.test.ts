import { describe, expect, it } from 'vitest';
import { parseFlows, secret } from './senders';

describe('secret', () => {
  it('leaves an empty field out, so the stored secret is kept', () => {
    expect(secret('')).toBeUndefined();
    expect(secret('   ')).toBeUndefined();
    expect(secret(' s3cret ')).toBe('s3cret');
  });
});

describe('parseFlows', () => {
  it('reads one flow per line, spaces or commas, blank lines skipped', () => {
    expect(parseFlows('fee_due 64a1b2 1107161234567890123\n\npayment_receipt, 64c3d4, 1107169876543210987\n')).toEqual({
      flows: {
        fee_due: { flow_id: '64a1b2', dlt_template_id: '1107161234567890123' },
        payment_receipt: { flow_id: '64c3d4', dlt_template_id: '1107169876543210987' },
      },
    });
    expect(parseFlows('')).toEqual({ flows: {} });
  });

  it('names the first line it cannot read', () => {
    expect(parseFlows('fee_due 64a1b2 1107161234567890123\nFee-Due 64a1b2 1107161234567890123')).toEqual({ badLine: 2 });
    expect(parseFlows('fee_due 64a1b2')).toEqual({ badLine: 1 });
    expect(parseFlows('fee_due 64a1b2 12345')).toEqual({ badLine: 1 });
    expect(parseFlows('fee_due a 1107161234567890123\nfee_due b 1107161234567890123')).toEqual({ badLine: 2 });
  });
});
