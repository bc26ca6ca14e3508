// The signed-in user's in-app notifications (the message service's feed): a bell in
// the header with the unread count, a list of the newest, mark one or all read.
// A new notification is told on the realtime stream's `user` topic (`notification`,
// docs/realtime.md) and the count is read again at once; polling is the fallback: once
// a minute while the stream is down, every 5 minutes while it is up (a notification
// read in another tab is not told on the stream). Opening the list fetches it fresh.
import { ActionIcon, Badge, Button, Group, Indicator, Popover, ScrollArea, Stack, Text, UnstyledButton } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../api/client';
import { useI18n } from '../i18n';
import { useLiveEvents } from '../lib/useLiveEvents';
import { ProblemAlert } from './ProblemAlert';
import { QueryState } from './QueryState';

const FEED_SIZE = 20;
const POLL_MS = 60_000;
const POLL_LIVE_MS = 300_000;
const USER_TOPIC = ['user'];

export function NotificationBell() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [opened, setOpened] = useState(false);
  const live = useLiveEvents(USER_TOPIC, (e) => {
    if (e.event === 'notification' || e.event === 'resync') void qc.invalidateQueries({ queryKey: ['notifications'] });
  });
  const count = useQuery({
    queryKey: ['notifications', 'unread'],
    queryFn: () => unwrap(api.GET('/api/messages/notifications/unread-count')),
    refetchInterval: live === 'open' ? POLL_LIVE_MS : POLL_MS,
  });
  const feed = useQuery({
    queryKey: ['notifications', 'feed'],
    enabled: opened,
    queryFn: () => unwrap(api.GET('/api/messages/notifications', { params: { query: { page_size: FEED_SIZE } } })),
  });
  const refresh = () => void qc.invalidateQueries({ queryKey: ['notifications'] });
  const readOne = useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/messages/notifications/{notification_id}/read', { params: { path: { notification_id: id } } })),
    onSuccess: refresh,
  });
  const readAll = useMutation({
    mutationFn: () => unwrap(api.POST('/api/messages/notifications/read-all')),
    onSuccess: refresh,
  });
  const unread = count.data?.unread ?? 0;
  const label = t('notifications_label', { n: unread });
  return (
    <Indicator label={unread > 99 ? '99+' : unread} size={16} disabled={unread === 0} color="red.9" offset={4}>
      <Popover opened={opened} onChange={setOpened} position="bottom-end" width={360} shadow="md" trapFocus transitionProps={{ duration: 0 }}>
        <Popover.Target>
          <ActionIcon variant="subtle" size="lg" aria-label={label} title={label} onClick={() => setOpened((o) => !o)} data-testid="bell" data-unread={unread}>
            <svg aria-hidden="true" width="20" height="20" viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
              <path d="M6 8a6 6 0 0 1 12 0c0 7 3 9 3 9H3s3-2 3-9" />
              <path d="M10.3 21a1.94 1.94 0 0 0 3.4 0" />
            </svg>
          </ActionIcon>
        </Popover.Target>
      <Popover.Dropdown data-testid="notifications">
        <Group justify="space-between" mb="xs">
          <Text fw={600}>{t('notifications_title')}</Text>
          <Button size="compact-xs" variant="default" disabled={unread === 0} loading={readAll.isPending} onClick={() => readAll.mutate()}>
            {t('notifications_read_all')}
          </Button>
        </Group>
        {(readOne.error || readAll.error) && <ProblemAlert error={readOne.error ?? readAll.error} />}
        <QueryState query={feed} isEmpty={(f) => f.items.length === 0} empty={t('notifications_empty')}>
          {(f) => (
            <ScrollArea.Autosize mah={420}>
              <Stack gap="xs">
                {f.items.map((n) => (
                  <UnstyledButton
                    key={n.id}
                    data-testid="notification"
                    data-read={n.read_at ? 'yes' : 'no'}
                    onClick={() => !n.read_at && readOne.mutate(n.id)}
                    title={n.read_at ? undefined : t('notifications_mark_read', { title: n.title })}
                    p="xs"
                    style={{ borderRadius: 4, background: n.read_at ? undefined : 'var(--mantine-color-blue-light)' }}
                  >
                    <Group justify="space-between" wrap="nowrap" gap="xs">
                      <Text size="sm" fw={n.read_at ? 400 : 600}>
                        {n.title}
                      </Text>
                      {!n.read_at && (
                        <Badge size="xs" color="blue" variant="filled">
                          {t('notifications_new')}
                        </Badge>
                      )}
                    </Group>
                    <Text size="xs" style={{ whiteSpace: 'pre-line' }}>
                      {n.body}
                    </Text>
                    <Text size="xs" c="dimmed">
                      {new Date(n.created_at).toLocaleString()}
                    </Text>
                  </UnstyledButton>
                ))}
                {f.total > f.items.length && (
                  <Text size="xs" c="dimmed">
                    {t('notifications_more', { n: f.total - f.items.length })}
                  </Text>
                )}
              </Stack>
            </ScrollArea.Autosize>
          )}
        </QueryState>
      </Popover.Dropdown>
      </Popover>
    </Indicator>
  );
}
