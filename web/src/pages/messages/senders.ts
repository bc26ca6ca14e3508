// The business's own sender accounts (`/api/messages/sender-accounts`): what the forms
// send. Secrets are write-only: the API answers only whether one is stored, so an empty
// secret field means "keep the stored one" and is left out of the request.
import type { components } from '../../api/schema';

export type SmtpSave = components['schemas']['SmtpAccountSave'];
export type Msg91Save = components['schemas']['Msg91AccountSave'];
export type WhatsAppSave = components['schemas']['WhatsAppAccountSave'];
export type Flows = Msg91Save['flows'];

/** A secret typed in, or undefined to keep the stored one. */
export function secret(value: string): string | undefined {
  const trimmed = value.trim();
  return trimmed === '' ? undefined : trimmed;
}

/** Lines `kind flow_id dlt_template_id` (spaces or commas) → MSG91 flows, or the first bad line (1-based). */
export function parseFlows(text: string): { flows: Flows } | { badLine: number } {
  const flows: Flows = {};
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '') continue;
    const parts = line.split(/[\s,]+/);
    const [kind = '', flowId = '', dlt = ''] = parts;
    const wellFormed = parts.length === 3 && /^[a-z_]{1,48}$/.test(kind) && /^[A-Za-z0-9]{1,64}$/.test(flowId) && /^\d{10,25}$/.test(dlt);
    if (!wellFormed || kind in flows) return { badLine: i + 1 };
    flows[kind] = { flow_id: flowId, dlt_template_id: dlt };
  }
  return { flows };
}

type Account = components['schemas']['SenderAccountRead'];
export type WebhookKey = 'callback_url' | 'verify_token' | 'delivery_report_url' | 'inbound_url' | 'twilio_inbound_url';
export type WebhookField = { key: WebhookKey; value: string };

/** The addresses an account's provider calls back at, in the order its dashboard asks for
 * them: null for an account that has none (SMTP), [] for a WhatsApp or MSG91 account saved
 * before they existed (saving it again makes them). */
export function webhookFields(account: Account): WebhookField[] | null {
  const hooks = account.webhooks;
  if (account.provider === 'smtp') return null;
  if (!hooks) return [];
  const order: [WebhookKey, string | null | undefined][] = [
    ['callback_url', hooks.callback_url],
    ['verify_token', hooks.verify_token],
    ['delivery_report_url', hooks.delivery_report_url],
    [account.provider === 'twilio' ? 'twilio_inbound_url' : 'inbound_url', hooks.inbound_url],
  ];
  return order.filter((e): e is [WebhookKey, string] => !!e[1]).map(([key, value]) => ({ key, value }));
}
