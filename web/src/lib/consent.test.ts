import { describe, expect, it } from 'vitest';
import { consentGrid, type ConsentRow } from './consent';

function row(channel: string, purpose: string, granted: boolean, at: string): ConsentRow {
  return { channel, purpose, granted, notice_version: 'v1', recorded_at: at, recorded_by: null, recorded_by_type: 'library_staff' };
}

describe('consentGrid', () => {
  it('has every channel and purpose, unanswered as null', () => {
    const grid = consentGrid([]);
    expect(Object.keys(grid)).toEqual(['whatsapp', 'sms', 'email']);
    expect(grid.sms).toEqual({ reminders: null, promotional: null });
  });

  it('keeps the latest answer and ignores what it does not show', () => {
    const grid = consentGrid([
      row('sms', 'reminders', true, '2026-12-01T10:00:00Z'),
      row('sms', 'reminders', false, '2026-12-05T10:00:00Z'),
      row('sms', 'reminders', true, '2026-12-03T10:00:00Z'),
      row('email', 'transactional', true, '2026-12-01T10:00:00Z'),
      row('fax', 'reminders', true, '2026-12-01T10:00:00Z'),
    ]);
    expect(grid.sms.reminders?.granted).toBe(false);
    expect(grid.email).toEqual({ reminders: null, promotional: null });
  });
});

