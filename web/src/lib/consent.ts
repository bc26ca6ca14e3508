// Consent per channel and purpose as the message service keeps it
// (`GET /api/messages/consents/{user_id}`): the latest answer per (channel, purpose);
// no answer means not granted (reminders and promotional messages need a yes).
import type { components } from '../api/schema';

export type ConsentRow = components['schemas']['MessageConsentRead'];
export const CONSENT_CHANNELS = ['whatsapp', 'sms', 'email'] as const;
export const CONSENT_PURPOSES = ['reminders', 'promotional'] as const;
export type ConsentChannel = (typeof CONSENT_CHANNELS)[number];
export type ConsentPurpose = (typeof CONSENT_PURPOSES)[number];
// The notice the desk shows before asking; recorded with every answer it takes.
export const DESK_NOTICE_VERSION = 'desk-2026-12';

export type ConsentGrid = Record<ConsentChannel, Record<ConsentPurpose, ConsentRow | null>>;

export function consentGrid(rows: readonly ConsentRow[]): ConsentGrid {
  const grid = Object.fromEntries(
    CONSENT_CHANNELS.map((c) => [c, Object.fromEntries(CONSENT_PURPOSES.map((p) => [p, null]))]),
  ) as ConsentGrid;
  for (const row of rows) {
    const channel = row.channel as ConsentChannel;
    const purpose = row.purpose as ConsentPurpose;
    if (!(channel in grid) || !(purpose in grid[channel])) continue;
    const seen = grid[channel][purpose];
    if (!seen || seen.recorded_at < row.recorded_at) grid[channel][purpose] = row;
  }
  return grid;
}

