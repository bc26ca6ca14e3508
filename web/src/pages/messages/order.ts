// The business's fallback order of channels, as the owner rearranges it.
import type { components } from '../../api/schema';

export type Channel = components['schemas']['MessageSettingsRead']['configured'][number];
export const ALL_CHANNELS: Channel[] = ['whatsapp', 'sms', 'email'];

/** The order with `channel` one place earlier (the first stays first). */
export function moveUp(order: Channel[], channel: Channel): Channel[] {
  const i = order.indexOf(channel);
  if (i <= 0) return order;
  const next = [...order];
  [next[i - 1], next[i]] = [channel, order[i - 1] as Channel];
  return next;
}
