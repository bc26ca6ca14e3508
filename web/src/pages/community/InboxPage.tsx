// The library side of the inbox (docs/community.md "Inbox"): the conversations students
// started with the branches this user works at, each with what the library has not
// read yet; open one to read it (which marks it read for the library) and reply. New
// messages arrive without a reload: `inbox_message` on the `library:<id>` topics of
// every branch listed (lib/useLiveEvents), and after a gap in the stream all is read again.
import { Badge, Button, Card, Grid, Group, Select, Stack, Text, Textarea, Title, UnstyledButton } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { useLibraries } from '../../api/queries';
import type { components } from '../../api/schema';
import { Pager } from '../../components/Pager';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import { usePermissions } from '../../lib/usePermissions';
import { useLiveEvents } from '../../lib/useLiveEvents';
import { AttachmentList, FilePicker, filesProblem, postWithFiles } from './attachments';
import { LiveBadge, useStudentName } from './shared';

type Thread = components['schemas']['ThreadRead'];
type Message = components['schemas']['MessageRead'];

const THREADS_PAGE = 50;
const MESSAGES_PAGE = 100;
// The stream takes at most 20 topics (docs/realtime.md).
const MAX_TOPICS = 20;

export default function InboxPage() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const libs = useLibraries();
  const [library, setLibrary] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  const [openId, setOpenId] = useState<string | null>(null);
  const libItems = libs.data?.items ?? [];
  const topics = libItems.slice(0, MAX_TOPICS).map((l) => `library:${l.id}`);

  const threads = useQuery({
    queryKey: ['inbox-threads', library, page],
    queryFn: () =>
      unwrap(api.GET('/api/groups/inbox/threads', { params: { query: { library_id: library, page, page_size: THREADS_PAGE } } })),
  });
  const markRead = useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/groups/inbox/threads/{thread_id}/read', { params: { path: { thread_id: id } } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['inbox-threads'] }),
  });

  const live = useLiveEvents(topics, (e) => {
    if (e.event !== 'inbox_message' && e.event !== 'resync') return;
    void qc.invalidateQueries({ queryKey: ['inbox-threads'] });
    if (e.event === 'resync' || e.data.thread_id === openId) {
      void qc.invalidateQueries({ queryKey: ['inbox-messages'] });
      // The student wrote in the conversation on screen: the library has now seen it.
      if (openId && e.data.side === 'student') markRead.mutate(openId);
    }
  });

  const open = (th: Thread) => {
    setOpenId(th.id);
    if (th.unread_count > 0) markRead.mutate(th.id);
  };
  const libName = (id: string) => libItems.find((l) => l.id === id)?.name ?? '';

  return (
    <Stack>
      <Group justify="space-between">
        <Title order={1} size="h2">{t('nav_inbox')}</Title>
        <LiveBadge status={live} />
      </Group>
      {libs.isError && <ProblemAlert error={libs.error} onRetry={() => void libs.refetch()} />}
      <Select
        label={t('library')}
        placeholder={t('inbox_all_branches')}
        data={libItems.map((l) => ({ value: l.id, label: l.name }))}
        value={library}
        onChange={(v) => {
          setLibrary(v);
          setPage(1);
        }}
        clearable
        w={280}
      />
      {markRead.isError && <ProblemAlert error={markRead.error} />}
      <Grid>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <QueryState query={threads} isEmpty={(p) => p.items.length === 0} empty={t('inbox_empty')}>
            {(p) => (
              <Stack gap="xs" data-testid="inbox-threads">
                {p.items.map((th) => (
                  <ThreadRow key={th.id} thread={th} active={th.id === openId} library={libName(th.library_id)} onOpen={() => open(th)} />
                ))}
                <Pager page={p.page} pageSize={p.page_size} total={p.total} onPage={setPage} />
              </Stack>
            )}
          </QueryState>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 7 }}>
          {openId ? <Conversation threadId={openId} /> : <Text c="dimmed">{t('inbox_pick')}</Text>}
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

function ThreadRow({ thread, active, library, onOpen }: { thread: Thread; active: boolean; library: string; onOpen: () => void }) {
  const { t } = useI18n();
  const student = useStudentName(thread.student_id);
  return (
    <UnstyledButton onClick={onOpen} data-testid="inbox-thread" data-unread={thread.unread_count} aria-current={active || undefined}>
      <Card withBorder padding="sm" bg={active ? 'var(--mantine-color-blue-light)' : undefined}>
        <Group justify="space-between" wrap="nowrap">
          <Text fw={thread.unread_count > 0 ? 700 : 500} size="sm">{thread.subject}</Text>
          {thread.unread_count > 0 && (
            <Badge color="red.9" variant="filled" data-testid="inbox-unread" aria-label={t('inbox_unread', { n: thread.unread_count })}>
              {thread.unread_count}
            </Badge>
          )}
        </Group>
        <Text size="xs" c="dimmed">
          {student} · {library} · {new Date(thread.last_message_at).toLocaleString()}
        </Text>
      </Card>
    </UnstyledButton>
  );
}

function Conversation({ threadId }: { threadId: string }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const may = usePermissions();
  const [page, setPage] = useState<number | null>(null);
  const [body, setBody] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  useEffect(() => {
    setPage(null);
    setBody('');
    setFiles([]);
  }, [threadId]);
  const thread = useQuery({
    queryKey: ['inbox-thread', threadId],
    queryFn: () => unwrap(api.GET('/api/groups/inbox/threads/{thread_id}', { params: { path: { thread_id: threadId } } })),
  });
  const messages = useQuery({
    queryKey: ['inbox-messages', threadId, page ?? 1],
    queryFn: () =>
      unwrap(
        api.GET('/api/groups/inbox/threads/{thread_id}/messages', {
          params: { path: { thread_id: threadId }, query: { page: page ?? 1, page_size: MESSAGES_PAGE } },
        }),
      ),
  });
  // Oldest first: a long conversation opens on its last page, where the newest are.
  const total = messages.data?.total ?? 0;
  useEffect(() => {
    if (page === null && total > MESSAGES_PAGE) setPage(Math.ceil(total / MESSAGES_PAGE));
  }, [page, total]);
  const student = useStudentName(thread.data?.student_id);
  const reply = useMutation({
    mutationFn: (text: string) =>
      files.length > 0
        ? postWithFiles<Message>(`/api/groups/inbox/threads/${threadId}/messages/upload`, text, files)
        : unwrap(api.POST('/api/groups/inbox/threads/{thread_id}/messages', { params: { path: { thread_id: threadId } }, body: { body: text } })),
    onSuccess: () => {
      setBody('');
      setFiles([]);
      void qc.invalidateQueries({ queryKey: ['inbox-messages', threadId] });
      void qc.invalidateQueries({ queryKey: ['inbox-threads'] });
    },
  });
  return (
    <Stack data-testid="inbox-conversation">
      <QueryState query={thread}>
        {(th) => (
          <div>
            <Title order={2} size="h4">{th.subject}</Title>
            <Text size="sm" c="dimmed">{student}</Text>
          </div>
        )}
      </QueryState>
      <QueryState query={messages} isEmpty={(p) => p.items.length === 0}>
        {(p) => (
          <Stack gap="xs">
            {p.items.map((m) => (
              <Card
                key={m.id}
                withBorder
                padding="xs"
                data-testid="inbox-message"
                data-side={m.side}
                ml={m.side === 'library' ? 'xl' : 0}
                mr={m.side === 'student' ? 'xl' : 0}
              >
                <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>{m.body}</Text>
                <AttachmentList items={m.attachments} />
                <Text size="xs" c="dimmed">
                  {m.side === 'library' ? t('inbox_from_library') : student} · {new Date(m.created_at).toLocaleString()}
                  {m.side === 'library' && ` · ${m.read_by_other_side ? t('inbox_read_by_student') : t('inbox_not_read_yet')}`}
                </Text>
              </Card>
            ))}
            {p.total > MESSAGES_PAGE && <Pager page={p.page} pageSize={p.page_size} total={p.total} onPage={setPage} />}
          </Stack>
        )}
      </QueryState>
      {may('inbox:reply') && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (body.trim() && !filesProblem(files, t)) reply.mutate(body);
          }}
        >
          <Stack gap="xs">
            <Textarea label={t('inbox_reply')} value={body} onChange={(e) => setBody(e.currentTarget.value)} maxLength={4000} autosize minRows={2} />
            <FilePicker files={files} onChange={setFiles} />
            {reply.isError && <ProblemAlert error={reply.error} />}
            <Group justify="end">
              <Button type="submit" loading={reply.isPending} disabled={!body.trim()}>{t('inbox_send')}</Button>
            </Group>
          </Stack>
        </form>
      )}
    </Stack>
  );
}
