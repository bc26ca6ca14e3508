import { MantineProvider } from '@mantine/core';
import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { components } from '../../api/schema';
import { stubMatchMedia } from '../../testing/dom';
import { I18nProvider } from '../../i18n';
import { ReconcilerStatusView } from './ReconcilerStatus';

type Status = components['schemas']['ReconciliationStatusRead'];

beforeAll(stubMatchMedia);
afterEach(cleanup);

const NOW = Date.parse('2026-12-06T12:00:00Z');

function show(status: Status) {
  render(
    <MantineProvider>
      <I18nProvider>
        <ReconcilerStatusView status={status} now={NOW} />
      </I18nProvider>
    </MantineProvider>,
  );
}

const counts = { checked: 3, settled: 1, failed: 1, still_pending: 1, refunds_processed: 0, refunds_failed: 0, errors: 0 };

describe('the reconciler status panel', () => {
  it('says it has never run yet, and how often it will', () => {
    show({ last_run: null, periodic_interval_seconds: 300, next_run_due_at: null, after_minutes: 15 });
    expect(screen.getByTestId('rc-never-run').textContent).toBe('The reconciler has never run yet for this business.');
    expect(screen.getByTestId('rc-next').textContent).toContain('Runs every 5 min; the next run is not scheduled yet.');
    expect(screen.getByTestId('rc-next').textContent).toContain('after 15 min');
    expect(screen.queryByTestId('rc-counts')).toBeNull();
  });

  it('shows the last pass: outcome, who ran it, what it settled and left pending', () => {
    show({
      last_run: { trigger: 'periodic', outcome: 'succeeded', started_at: '2026-12-06T11:55:00Z', finished_at: '2026-12-06T11:55:02Z', counts },
      periodic_interval_seconds: 300, next_run_due_at: '2026-12-06T12:00:02Z', after_minutes: 15,
    });
    expect(screen.getByTestId('rc-outcome').textContent).toBe('Succeeded');
    expect(screen.getByTestId('rc-last-run').textContent).toContain('by the payment service on its own');
    expect(screen.getByTestId('rc-counts').textContent).toBe('Checked 3: 1 settled, 1 failed, 1 still pending.');
    expect(screen.getByTestId('rc-next').textContent).toContain('Next run due');
    expect(screen.queryByTestId('rc-never-run')).toBeNull();
  });

  it('names a partial pass, its errors and refunds, an overdue next run', () => {
    show({
      last_run: { trigger: 'command', outcome: 'partial', started_at: '2026-12-06T10:00:00Z', finished_at: '2026-12-06T10:00:01Z', counts: { ...counts, errors: 2, refunds_processed: 1 } },
      periodic_interval_seconds: 300, next_run_due_at: '2026-12-06T10:05:01Z', after_minutes: 15,
    });
    expect(screen.getByTestId('rc-outcome').textContent).toBe('Partly failed');
    expect(screen.getByTestId('rc-last-run').textContent).toContain('by hand (studyspot payments reconcile)');
    expect(screen.getByTestId('rc-counts').textContent).toContain('Refunds: 1 processed, 0 failed.');
    expect(screen.getByText('2 could not be asked about (the provider refused or did not answer).')).toBeTruthy();
    expect(screen.getByTestId('rc-next').textContent).toContain('has not happened yet');
  });

  it('says when the automatic run is off', () => {
    show({ last_run: null, periodic_interval_seconds: null, next_run_due_at: null, after_minutes: 15 });
    expect(screen.getByTestId('rc-next').textContent).toContain('The automatic run is switched off');
  });
});
