// The reconciler's own last pass, as the payment service recorded it
// (GET /api/v1/payments/reconciliation/status): when it ran, how it ended, what
// it settled or left pending, and when it runs next. Before the first pass the
// API says so (last_run null) and so does this panel.
import { Badge, Group, Stack, Text, Title } from '@mantine/core';
import { useQuery } from '@tanstack/react-query';
import { api, unwrap } from '../../api/client';
import type { components } from '../../api/schema';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import { nextRun } from '../../lib/reconcile';

type Status = components['schemas']['ReconciliationStatusRead'];

const OUTCOME_COLOUR = { succeeded: 'teal.9', partial: 'orange.9', failed: 'red.9' } as const;

const when = (iso: string) => new Date(iso).toLocaleString();

export function ReconcilerStatusView({ status, now }: { status: Status; now?: number }) {
  const { t } = useI18n();
  const run = status.last_run;
  const next = nextRun(status, now);
  return (
    <Stack gap={4} data-testid="rc-status">
      {run === null ? (
        <Text size="sm" data-testid="rc-never-run">{t('rc_never_run')}</Text>
      ) : (
        <>
          <Group gap="xs">
            <Badge color={OUTCOME_COLOUR[run.outcome]} variant="filled" data-testid="rc-outcome">{t(`rc_outcome_${run.outcome}`)}</Badge>
            <Text size="sm" data-testid="rc-last-run">
              {t('rc_last_run', { started: when(run.started_at), finished: when(run.finished_at), trigger: t(`rc_trigger_${run.trigger}`) })}
            </Text>
          </Group>
          <Text size="sm" data-testid="rc-counts">
            {t('rc_counts', { checked: run.counts.checked, settled: run.counts.settled, failed: run.counts.failed, pending: run.counts.still_pending })}
            {(run.counts.refunds_processed > 0 || run.counts.refunds_failed > 0) &&
              ` ${t('rc_refund_counts', { processed: run.counts.refunds_processed, failed: run.counts.refunds_failed })}`}
          </Text>
          {run.counts.errors > 0 && <Text size="sm" c="red.9">{t('rc_errors', { n: run.counts.errors })}</Text>}
        </>
      )}
      <Text size="sm" c="dimmed" data-testid="rc-next">
        {next.key === 'rc_next_off' ? t(next.key) : next.key === 'rc_next_unknown' ? t(next.key, { minutes: next.minutes }) : t(next.key, { at: when(next.at) })}
        {' '}
        {t('rc_after', { n: status.after_minutes })}
      </Text>
    </Stack>
  );
}

export function ReconcilerStatus({ library }: { library: string | null }) {
  const { t } = useI18n();
  const status = useQuery({
    queryKey: ['reconciliation', 'status', library],
    queryFn: () => unwrap(api.GET('/api/v1/payments/reconciliation/status', { params: { query: { library_id: library } } })),
  });
  return (
    <Stack gap="xs">
      <Title order={3} size="h6">{t('rc_status_title')}</Title>
      <QueryState query={status}>{(s) => <ReconcilerStatusView status={s} />}</QueryState>
    </Stack>
  );
}
