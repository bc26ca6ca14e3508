import { describe, expect, it } from 'vitest';
import { parseFlows, secret, webhookFields } from './senders';

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

describe('webhookFields', () => {
  const base = { settings: {}, has_secret: true, has_webhook_secret: false, updated_at: '2026-12-07T10:00:00Z' };
  const hook = 'https://app.studyspot.in/api/messages/webhooks';
  it("lists the addresses in the order the provider's dashboard asks for them", () => {
    const whatsapp = { ...base, channel: 'whatsapp' as const, provider: 'whatsapp_cloud', webhooks: { callback_url: `${hook}/whatsapp/abc`, verify_token: 'tok' } };
    expect(webhookFields(whatsapp)).toEqual([
      { key: 'callback_url', value: `${hook}/whatsapp/abc` },
      { key: 'verify_token', value: 'tok' },
    ]);
    const msg91 = { ...base, channel: 'sms' as const, provider: 'msg91', webhooks: { delivery_report_url: `${hook}/msg91/abc?token=t`, inbound_url: `${hook}/msg91/abc/inbound?token=t` } };
    expect(webhookFields(msg91)?.map((f) => f.key)).toEqual(['delivery_report_url', 'inbound_url']);
    const twilio = { ...base, channel: 'sms' as const, provider: 'twilio', webhooks: { inbound_url: `${hook}/twilio/inbound?tenant=x` } };
    expect(webhookFields(twilio)).toEqual([{ key: 'twilio_inbound_url', value: `${hook}/twilio/inbound?tenant=x` }]);
  });
  it('has none for SMTP, and says so for an account saved before addresses existed', () => {
    expect(webhookFields({ ...base, channel: 'email', provider: 'smtp', webhooks: null })).toBeNull();
    expect(webhookFields({ ...base, channel: 'whatsapp', provider: 'whatsapp_cloud', webhooks: null })).toEqual([]);
  });
});
