// A library's groups (docs/community.md "Library groups"), for its owner and staff: the
// groups of a branch, a new one, and in a group its posts (newest first, older ones
// by the API's cursor), a post as the library, and moderation: remove and pin posts,
// mute and block members with a reason (each audited by the service), invite codes
// (the token is shown once: only its hash is kept). New and removed posts arrive
// without a reload: `post_created` / `post_removed` on the `group:<id>` topic.
import { Badge, Button, Card, Checkbox, CopyButton, Grid, Group, Modal, NumberInput, Select, Stack, Table, Text, TextInput, Textarea, Title, UnstyledButton } from '@mantine/core';
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
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
import { LiveBadge } from './shared';

type Group = components['schemas']['GroupRead'];
type Member = components['schemas']['MemberRead'];
type Invite = components['schemas']['InviteCreated'];
type PostPage = components['schemas']['PostPage'];
type Post = components['schemas']['PostRead'];

const POSTS_PAGE = 30;
const MEMBERS_PAGE = 50;

export default function GroupsPage() {
  const { t } = useI18n();
  const may = usePermissions();
  const libs = useLibraries();
  const [library, setLibrary] = useState<string | null>(null);
  const [groupId, setGroupId] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  const libItems = libs.data?.items ?? [];
  useEffect(() => {
    if (!library && libItems[0]) setLibrary(libItems[0].id);
  }, [library, libItems]);
  const groups = useQuery({
    queryKey: ['groups', library, page],
    enabled: !!library,
    queryFn: () => unwrap(api.GET('/api/groups', { params: { query: { library_id: library, page, page_size: 50 } } })),
  });
  const chosen = groups.data?.items.find((g) => g.id === groupId) ?? null;
  return (
    <Stack>
      <Title order={1} size="h2">{t('nav_groups')}</Title>
      {libs.isError && <ProblemAlert error={libs.error} onRetry={() => void libs.refetch()} />}
      <Select
        label={t('library')}
        data={libItems.map((l) => ({ value: l.id, label: l.name }))}
        value={library}
        onChange={(v) => {
          setLibrary(v);
          setGroupId(null);
          setPage(1);
        }}
        allowDeselect={false}
        w={280}
      />
      <Grid>
        <Grid.Col span={{ base: 12, md: 4 }}>
          <Stack gap="xs">
            {library && may('communities:create') && <NewGroup library={library} onCreated={setGroupId} />}
            {library && (
              <QueryState query={groups} isEmpty={(p) => p.items.length === 0} empty={t('groups_empty')}>
                {(p) => (
                  <Stack gap="xs" data-testid="groups">
                    {p.items.map((g) => (
                      <UnstyledButton key={g.id} onClick={() => setGroupId(g.id)} aria-current={g.id === groupId || undefined} data-testid="group">
                        <Card withBorder padding="sm" bg={g.id === groupId ? 'var(--mantine-color-blue-light)' : undefined}>
                          <Text fw={600} size="sm">{g.name}</Text>
                          {g.description && <Text size="xs" c="dimmed">{g.description}</Text>}
                        </Card>
                      </UnstyledButton>
                    ))}
                    <Pager page={p.page} pageSize={p.page_size} total={p.total} onPage={setPage} />
                  </Stack>
                )}
              </QueryState>
            )}
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 8 }}>
          {chosen ? <GroupView key={chosen.id} group={chosen} /> : <Text c="dimmed">{t('groups_pick')}</Text>}
        </Grid.Col>
      </Grid>
    </Stack>
  );
}

function NewGroup({ library, onCreated }: { library: string; onCreated: (id: string) => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [open, setOpen] = useState(false);
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [anonymous, setAnonymous] = useState(false);
  const create = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/groups', { body: { library_id: library, name: name.trim(), description: description.trim() || null, allow_anonymous: anonymous } })),
    onSuccess: (g) => {
      void qc.invalidateQueries({ queryKey: ['groups', library] });
      setOpen(false);
      setName('');
      setDescription('');
      setAnonymous(false);
      onCreated(g.id);
    },
  });
  if (!open) {
    return <Button variant="default" onClick={() => setOpen(true)}>{t('groups_new')}</Button>;
  }
  return (
    <Card withBorder padding="sm">
      <form
        onSubmit={(e) => {
          e.preventDefault();
          create.mutate();
        }}
      >
        <Stack gap="xs">
          <TextInput label={t('groups_name')} value={name} onChange={(e) => setName(e.currentTarget.value)} required maxLength={80} />
          <Textarea label={t('groups_description')} value={description} onChange={(e) => setDescription(e.currentTarget.value)} maxLength={500} autosize minRows={2} />
          <Checkbox label={t('groups_allow_anonymous')} checked={anonymous} onChange={(e) => setAnonymous(e.currentTarget.checked)} />
          {create.isError && <ProblemAlert error={create.error} />}
          <Group justify="end">
            <Button variant="default" onClick={() => setOpen(false)}>{t('cancel')}</Button>
            <Button type="submit" loading={create.isPending} disabled={!name.trim()}>{t('groups_create')}</Button>
          </Group>
        </Stack>
      </form>
    </Card>
  );
}

function GroupView({ group }: { group: Group }) {
  const { t } = useI18n();
  const may = usePermissions();
  const qc = useQueryClient();
  const [body, setBody] = useState('');
  const [files, setFiles] = useState<File[]>([]);
  const posts = useInfiniteQuery({
    queryKey: ['group-posts', group.id],
    initialPageParam: null as string | null,
    getNextPageParam: (last: PostPage) => last.next_after,
    queryFn: ({ pageParam }): Promise<PostPage> =>
      unwrap(api.GET('/api/groups/{group_id}/posts', { params: { path: { group_id: group.id }, query: { limit: POSTS_PAGE, after: pageParam } } })),
  });
  const refresh = () => void qc.invalidateQueries({ queryKey: ['group-posts', group.id] });
  const live = useLiveEvents([`group:${group.id}`], (e) => {
    if (e.event === 'post_created' || e.event === 'post_removed' || e.event === 'resync') refresh();
  });
  const post = useMutation({
    mutationFn: (text: string) =>
      files.length > 0
        ? postWithFiles<Post>(`/api/groups/${group.id}/posts/upload`, text, files)
        : unwrap(api.POST('/api/groups/{group_id}/posts', { params: { path: { group_id: group.id } }, body: { body: text } })),
    onSuccess: () => {
      setBody('');
      setFiles([]);
      refresh();
    },
  });
  const act = useMutation({
    mutationFn: ({ postId, verb }: { postId: string; verb: 'pin' | 'unpin' | 'remove' }) => {
      const path = { params: { path: { group_id: group.id, post_id: postId } } };
      if (verb === 'remove') return unwrap(api.DELETE('/api/groups/{group_id}/posts/{post_id}', path));
      if (verb === 'pin') return unwrap(api.POST('/api/groups/{group_id}/posts/{post_id}/pin', path));
      return unwrap(api.POST('/api/groups/{group_id}/posts/{post_id}/unpin', path));
    },
    onSuccess: refresh,
  });
  const items = posts.data?.pages.flatMap((p) => p.items) ?? [];
  const moderate = may('communities:moderate');
  return (
    <Stack data-testid="group-view">
      <Group justify="space-between">
        <div>
          <Title order={2} size="h4">{group.name}</Title>
          {group.description && <Text size="sm" c="dimmed">{group.description}</Text>}
        </div>
        <Group gap="xs">
          {group.allow_anonymous && <Badge variant="filled" color="gray.7">{t('groups_anonymous_allowed')}</Badge>}
          <LiveBadge status={live} />
        </Group>
      </Group>
      {moderate && <InviteMaker groupId={group.id} />}
      {may('communities:create') && (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (body.trim() && !filesProblem(files, t)) post.mutate(body);
          }}
        >
          <Stack gap="xs">
            <Textarea label={t('groups_post_as_library')} value={body} onChange={(e) => setBody(e.currentTarget.value)} maxLength={4000} autosize minRows={2} />
            <FilePicker files={files} onChange={setFiles} />
            {post.isError && <ProblemAlert error={post.error} />}
            <Group justify="end">
              <Button type="submit" loading={post.isPending} disabled={!body.trim()}>{t('groups_post')}</Button>
            </Group>
          </Stack>
        </form>
      )}
      <Title order={3} size="h5">{t('groups_posts')}</Title>
      {act.isError && <ProblemAlert error={act.error} />}
      {posts.isError && <ProblemAlert error={posts.error} onRetry={() => void posts.refetch()} />}
      {posts.isSuccess && items.length === 0 && <Text c="dimmed" data-testid="empty">{t('groups_no_posts')}</Text>}
      <Stack gap="xs" data-testid="group-posts">
        {items.map((p) => (
          <Card key={p.id} withBorder padding="sm" data-testid="group-post" data-pinned={p.pinned_at ? 'yes' : 'no'}>
            <Group justify="space-between" wrap="nowrap" align="start">
              <div>
                <Text size="xs" c="dimmed">
                  {p.author.label} · {new Date(p.created_at).toLocaleString()}
                </Text>
                <Text size="sm" style={{ whiteSpace: 'pre-wrap' }}>{p.body}</Text>
                <AttachmentList items={p.attachments} />
              </div>
              {p.pinned_at && <Badge color="blue.9" variant="filled">{t('groups_pinned')}</Badge>}
            </Group>
            {moderate && (
              <Group gap="xs" mt="xs">
                <Button size="compact-xs" variant="default" onClick={() => act.mutate({ postId: p.id, verb: p.pinned_at ? 'unpin' : 'pin' })} loading={act.isPending && act.variables?.postId === p.id}>
                  {p.pinned_at ? t('groups_unpin') : t('groups_pin')}
                </Button>
                <Button size="compact-xs" variant="outline" color="red.9" onClick={() => act.mutate({ postId: p.id, verb: 'remove' })}>
                  {t('groups_remove')}
                </Button>
              </Group>
            )}
          </Card>
        ))}
      </Stack>
      {posts.hasNextPage && (
        <Button variant="default" onClick={() => void posts.fetchNextPage()} loading={posts.isFetchingNextPage}>{t('groups_older')}</Button>
      )}
      <Members groupId={group.id} moderate={moderate} />
    </Stack>
  );
}

function InviteMaker({ groupId }: { groupId: string }) {
  const { t } = useI18n();
  const [hours, setHours] = useState<number | string>(168);
  const [uses, setUses] = useState<number | string>(50);
  const [made, setMade] = useState<Invite | null>(null);
  const create = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/groups/{group_id}/invites', { params: { path: { group_id: groupId } }, body: { expires_in_hours: Number(hours), max_uses: Number(uses) } })),
    onSuccess: setMade,
  });
  return (
    <Card withBorder padding="sm">
      <Stack gap="xs">
        <Group align="end">
          <NumberInput label={t('groups_invite_hours')} value={hours} onChange={setHours} min={1} max={720} w={150} />
          <NumberInput label={t('groups_invite_uses')} value={uses} onChange={setUses} min={1} max={1000} w={150} />
          <Button variant="default" onClick={() => create.mutate()} loading={create.isPending}>{t('groups_invite_make')}</Button>
        </Group>
        {create.isError && <ProblemAlert error={create.error} />}
        {made && (
          <Stack gap={4} data-testid="invite">
            <Text size="sm">{t('groups_invite_once')}</Text>
            <Group gap="xs" wrap="nowrap">
              <TextInput aria-label={t('groups_invite_code')} value={made.token} readOnly style={{ flex: 1 }} data-testid="invite-token" />
              <CopyButton value={made.token}>
                {({ copied, copy }) => <Button size="xs" onClick={copy}>{copied ? t('copied') : t('copy')}</Button>}
              </CopyButton>
            </Group>
            <Text size="xs" c="dimmed">
              {t('groups_invite_terms', { until: new Date(made.expires_at).toLocaleString(), uses: made.max_uses })}
            </Text>
          </Stack>
        )}
      </Stack>
    </Card>
  );
}

type Sanction = { member: Member; kind: 'mute' | 'block' };

function Members({ groupId, moderate }: { groupId: string; moderate: boolean }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [page, setPage] = useState(1);
  const [sanction, setSanction] = useState<Sanction | null>(null);
  const members = useQuery({
    queryKey: ['group-members', groupId, page],
    queryFn: () => unwrap(api.GET('/api/groups/{group_id}/members', { params: { path: { group_id: groupId }, query: { page, page_size: MEMBERS_PAGE } } })),
  });
  const lift = useMutation({
    mutationFn: ({ memberId, verb }: { memberId: string; verb: 'unmute' | 'unblock' }) => {
      const path = { params: { path: { group_id: groupId, member_id: memberId } } };
      return verb === 'unmute'
        ? unwrap(api.POST('/api/groups/{group_id}/members/{member_id}/unmute', path))
        : unwrap(api.POST('/api/groups/{group_id}/members/{member_id}/unblock', path));
    },
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['group-members', groupId] }),
  });
  const now = Date.now();
  return (
    <section aria-labelledby="members-title">
      <Title order={3} size="h5" id="members-title" mb="xs">{t('groups_members')}</Title>
      {lift.isError && <ProblemAlert error={lift.error} />}
      <QueryState query={members} isEmpty={(p) => p.items.length === 0} empty={t('groups_no_members')}>
        {(p) => (
          <>
            <Table.ScrollContainer minWidth={560}>
              <Table>
                <Table.Thead>
                  <Table.Tr><Table.Th>{t('groups_member')}</Table.Th><Table.Th>{t('groups_joined')}</Table.Th><Table.Th>{t('status')}</Table.Th>{moderate && <Table.Th>{t('actions')}</Table.Th>}</Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {p.items.map((m) => {
                    const muted = !!m.muted_until && new Date(m.muted_until).getTime() > now;
                    return (
                      <Table.Tr key={m.member_id}>
                        <Table.Td>{m.label}</Table.Td>
                        <Table.Td>{new Date(m.joined_at).toLocaleDateString()}</Table.Td>
                        <Table.Td>
                          {m.blocked ? t('groups_blocked') : muted && m.muted_until ? t('groups_muted_until', { until: new Date(m.muted_until).toLocaleString() }) : '—'}
                        </Table.Td>
                        {moderate && (
                          <Table.Td>
                            <Group gap="xs">
                              {muted ? (
                                <Button size="compact-xs" variant="default" onClick={() => lift.mutate({ memberId: m.member_id, verb: 'unmute' })}>{t('groups_unmute')}</Button>
                              ) : (
                                <Button size="compact-xs" variant="default" onClick={() => setSanction({ member: m, kind: 'mute' })}>{t('groups_mute')}</Button>
                              )}
                              {m.blocked ? (
                                <Button size="compact-xs" variant="default" onClick={() => lift.mutate({ memberId: m.member_id, verb: 'unblock' })}>{t('groups_unblock')}</Button>
                              ) : (
                                <Button size="compact-xs" variant="outline" color="red.9" onClick={() => setSanction({ member: m, kind: 'block' })}>{t('groups_block')}</Button>
                              )}
                            </Group>
                          </Table.Td>
                        )}
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Pager page={p.page} pageSize={p.page_size} total={p.total} onPage={setPage} />
          </>
        )}
      </QueryState>
      {sanction && <SanctionModal groupId={groupId} sanction={sanction} onClose={() => setSanction(null)} />}
    </section>
  );
}

function SanctionModal({ groupId, sanction, onClose }: { groupId: string; sanction: Sanction; onClose: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [minutes, setMinutes] = useState<number | string>(60);
  const [reason, setReason] = useState('');
  const { member, kind } = sanction;
  const apply = useMutation({
    mutationFn: () => {
      const path = { group_id: groupId, member_id: member.member_id };
      const why = reason.trim() || null;
      return kind === 'mute'
        ? unwrap(api.POST('/api/groups/{group_id}/members/{member_id}/mute', { params: { path }, body: { minutes: Number(minutes), reason: why } }))
        : unwrap(api.POST('/api/groups/{group_id}/members/{member_id}/block', { params: { path }, body: { reason: why } }));
    },
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['group-members', groupId] });
      onClose();
    },
  });
  return (
    <Modal opened onClose={onClose} title={t(kind === 'mute' ? 'groups_mute_title' : 'groups_block_title', { name: member.label })} closeButtonProps={{ 'aria-label': t('close') }}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          apply.mutate();
        }}
      >
        <Stack gap="xs">
          {kind === 'mute' && <NumberInput label={t('groups_mute_minutes')} value={minutes} onChange={setMinutes} min={1} max={43200} required />}
          <TextInput label={t('groups_reason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} maxLength={500} />
          {apply.isError && <ProblemAlert error={apply.error} />}
          <Group justify="end">
            <Button variant="default" onClick={onClose}>{t('cancel')}</Button>
            <Button type="submit" color={kind === 'block' ? 'red.9' : undefined} loading={apply.isPending}>{t(kind === 'mute' ? 'groups_mute' : 'groups_block')}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
