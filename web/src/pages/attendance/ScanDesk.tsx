// The desk's reverse mode, for when the door tablet is down: staff scan the code on a
// student's phone (a handheld scanner types it and Enter, or it is typed). Each scan is
// queued on this device first and uploaded to POST /api/attendance/scan; without a
// connection the queue waits and is uploaded when the browser is back online (or by
// hand). Each scan's outcome is listed as the API answered it.
import { Alert, Button, Group, List, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useState, type FormEvent } from 'react';
import { ApiError, api, unwrap } from '../../api/client';
import type { components } from '../../api/schema';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useI18n } from '../../i18n';
import { checkInProblem } from './problems';
import { afterUpload, enqueue, nextUpload, readQueue, type QueuedScan } from './scanQueue';

type Outcome = components['schemas']['ScanOutcome'];

/** Offline, or an answer that may heal by itself: keep the queue for the next try. */
function keepForLater(error: unknown): boolean {
  return error instanceof ApiError && [0, 502, 503, 504].includes(error.problem.status);
}

export function ScanDesk({ library, names }: { library: string; names: Map<string, string> }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [code, setCode] = useState('');
  const [queue, setQueue] = useState<QueuedScan[]>(() => readQueue(library));
  const [outcomes, setOutcomes] = useState<Outcome[]>([]);
  const [stale, setStale] = useState(0);
  useEffect(() => setQueue(readQueue(library)), [library]);

  const upload = useMutation({
    // Try even when the browser says it is offline: a failed try keeps the queue, and the
    // `online` event (or Upload now) sends it; a paused mutation would hide the queue.
    networkMode: 'always',
    mutationFn: async () => {
      const { batch, stale: old } = nextUpload(readQueue(library));
      if (batch.length === 0) return { result: null, sent: batch, old };
      const result = await unwrap(api.POST('/api/attendance/scan', { body: { library_id: library, scans: batch } }));
      return { result, sent: batch, old };
    },
    onSuccess: async ({ result, sent, old }) => {
      setQueue(afterUpload(library, sent, old));
      setStale(old.length);
      setOutcomes(result?.outcomes ?? []);
      await queryClient.invalidateQueries({ queryKey: ['attendance-register'] });
    },
  });
  const send = useCallback(() => {
    if (!upload.isPending && readQueue(library).length) upload.mutate();
  }, [library, upload]);

  useEffect(() => {
    window.addEventListener('online', send);
    return () => window.removeEventListener('online', send);
  }, [send]);

  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (!code.trim()) return;
    setQueue(enqueue(library, code));
    setCode('');
    send();
  };
  const discard = () => {
    localStorage.removeItem(`studyspot.scan-queue.${library}`);
    setQueue([]);
    upload.reset();
  };
  const words = (o: Outcome) => {
    if (o.status === 'checked_in') return t('att_scan_checked_in');
    if (o.status === 'duplicate') return t('att_scan_duplicate');
    const key = o.code ? checkInProblem(o.code) : null;
    return key ? t(key) : `${t('att_checkin_refused')} (${o.code ?? '?'})`;
  };

  return (
    <Stack mt="lg" data-testid="scan-desk">
      <Title order={2} size="h3">{t('att_scan_title')}</Title>
      <Text size="sm" c="dimmed">{t('att_scan_hint')}</Text>
      <form onSubmit={submit} noValidate>
        <Group align="end">
          <TextInput label={t('att_scan_code')} value={code} onChange={(e) => setCode(e.currentTarget.value)} maxLength={160} autoComplete="off" w={360} />
          <Button type="submit" loading={upload.isPending}>{t('att_scan_submit')}</Button>
        </Group>
      </form>
      {queue.length > 0 && !upload.isPending && (
        <Alert color="red.9" variant="filled" data-testid="scan-queue" data-waiting={queue.length}>
          <Text size="sm">{t('att_scan_waiting', { n: queue.length })}</Text>
          <Group mt="xs">
            <Button size="xs" variant="white" onClick={send}>{t('att_scan_upload')}</Button>
            {upload.error != null && !keepForLater(upload.error) && (
              <Button size="xs" variant="white" color="red" onClick={discard}>{t('att_scan_discard')}</Button>
            )}
          </Group>
        </Alert>
      )}
      {upload.error != null && <ProblemAlert error={upload.error} />}
      {stale > 0 && <Text size="sm" role="status">{t('att_scan_stale', { n: stale })}</Text>}
      {outcomes.length > 0 && (
        <List size="sm" data-testid="scan-outcomes">
          {outcomes.map((o) => (
            <List.Item key={o.index} data-status={o.status} data-student={o.student_id ?? ''}>
              {(o.student_id && names.get(o.student_id)) || t('student')}: {words(o)}
            </List.Item>
          ))}
        </List>
      )}
    </Stack>
  );
}
