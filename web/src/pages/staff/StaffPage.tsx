// The people who run the branches: role, branches, whether they can log in.
// The API decides who is listed (the owner sees everyone, a manager the people
// of their own branches); this page offers adding, re-sending the set-password
// link and (de)activating only to a token that carries staff:create/update.
import { Badge, Button, Group, Modal, MultiSelect, Select, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { api, unwrap } from '../../api/client';
import { useLibraries } from '../../api/queries';
import type { components } from '../../api/schema';
import { Pager } from '../../components/Pager';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import { usePermissions } from '../../lib/usePermissions';
import { EMPTY_STAFF_FORM, staffBody, validateStaff, type StaffErrors, type StaffForm, type StaffRole } from './staffForm';

type Staff = components['schemas']['StaffRead'];
const PAGE_SIZE = 50;

export default function StaffPage() {
  const { t } = useI18n();
  const may = usePermissions();
  const libs = useLibraries();
  const libraryName = useMemo(() => new Map((libs.data?.items ?? []).map((l) => [l.id, l.name])), [libs.data]);
  const [typed, setTyped] = useState('');
  const [q] = useDebouncedValue(typed.trim().slice(0, 120), 300);
  const [role, setRole] = useState<StaffRole | null>(null);
  const [active, setActive] = useState<string | null>(null);
  const [library, setLibrary] = useState<string | null>(null);
  const [page, setPage] = useState(1);
  const [adding, setAdding] = useState(false);

  const query = {
    q: q || undefined,
    role: role ?? undefined,
    is_active: active === null ? undefined : active === 'true',
    library_id: library ?? undefined,
    sort: 'name' as const,
    page,
    page_size: PAGE_SIZE,
  };
  const staff = useQuery({
    queryKey: ['staff', query],
    placeholderData: keepPreviousData,
    queryFn: () => unwrap(api.GET('/api/v1/libraries/staff', { params: { query } })),
  });
  const filtered = !!q || !!role || !!library || active !== null;

  return (
    <Stack>
      <Group justify="space-between" wrap="wrap">
        <Title order={1} size="h2">{t('staff_title')}</Title>
        {may('staff:create') && (
          <Button onClick={() => setAdding(true)} data-testid="add-staff">{t('add_staff')}</Button>
        )}
      </Group>
      <Group align="end" wrap="wrap" gap="sm" role="search">
        <TextInput label={t('search')} placeholder={t('staff_search')} value={typed} onChange={(e) => { setTyped(e.currentTarget.value); setPage(1); }} w={240} />
        <Select
          label={t('role')}
          placeholder={t('any')}
          clearable
          clearButtonProps={{ 'aria-label': t('clear_filter') }}
          data={[{ value: 'manager', label: t('role_manager') }, { value: 'staff', label: t('role_staff') }]}
          value={role}
          onChange={(v) => { setRole(v as StaffRole | null); setPage(1); }}
          w={150}
        />
        <Select
          label={t('library')}
          placeholder={t('any')}
          clearable
          clearButtonProps={{ 'aria-label': t('clear_filter') }}
          data={(libs.data?.items ?? []).map((l) => ({ value: l.id, label: l.name }))}
          value={library}
          onChange={(v) => { setLibrary(v); setPage(1); }}
          w={200}
        />
        <Select
          label={t('status')}
          placeholder={t('any')}
          clearable
          clearButtonProps={{ 'aria-label': t('clear_filter') }}
          data={[{ value: 'true', label: t('active') }, { value: 'false', label: t('deactivated') }]}
          value={active}
          onChange={(v) => { setActive(v); setPage(1); }}
          w={150}
        />
      </Group>
      {libs.isError && <ProblemAlert error={libs.error} onRetry={() => void libs.refetch()} />}
      <QueryState query={staff} isEmpty={(s) => s.items.length === 0} empty={filtered ? t('no_staff_matches') : t('no_staff_yet')}>
        {(s) => (
          <>
            <Table.ScrollContainer minWidth={720}>
              <Table striped data-testid="staff-table" aria-busy={staff.isFetching}>
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('staff_name')}</Table.Th>
                    <Table.Th>{t('login_with')}</Table.Th>
                    <Table.Th>{t('role')}</Table.Th>
                    <Table.Th>{t('branches')}</Table.Th>
                    <Table.Th>{t('status')}</Table.Th>
                    {may('staff:update') && <Table.Th>{t('actions')}</Table.Th>}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {s.items.map((x) => (
                    <StaffRow key={x.id} person={x} libraryName={libraryName} mayUpdate={may('staff:update')} />
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Pager page={page} pageSize={PAGE_SIZE} total={s.total} onPage={setPage} />
          </>
        )}
      </QueryState>
      <AddStaff opened={adding} onClose={() => setAdding(false)} />
    </Stack>
  );
}

function StaffRow({ person: x, libraryName, mayUpdate }: { person: Staff; libraryName: Map<string, string>; mayUpdate: boolean }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const done = () => void qc.invalidateQueries({ queryKey: ['staff'] });
  const invite = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/libraries/staff/{staff_id}/invite', { params: { path: { staff_id: x.id } } })),
    onSuccess: done,
  });
  const setActive = useMutation({
    mutationFn: (is_active: boolean) =>
      unwrap(api.PATCH('/api/v1/libraries/staff/{staff_id}', { params: { path: { staff_id: x.id } }, body: { is_active } })),
    onSuccess: () => { setConfirming(false); done(); },
  });
  return (
    <>
      <Table.Tr data-testid="staff-row" data-staff={x.email ?? x.phone ?? x.id}>
        <Table.Td>{x.name}</Table.Td>
        <Table.Td>
          <Text size="sm">{x.email ?? '—'}</Text>
          {x.phone && <Text size="xs" c="dimmed">{x.phone}</Text>}
        </Table.Td>
        <Table.Td>
          <Badge variant="filled" color={x.role === 'manager' ? 'grape.9' : 'blue.9'}>{t(`role_${x.role}`)}</Badge>
        </Table.Td>
        <Table.Td>{x.library_ids.map((id) => libraryName.get(id) ?? id.slice(0, 8)).join(', ')}</Table.Td>
        <Table.Td>
          <Badge variant="filled" color={x.is_active ? 'teal.9' : 'gray.7'}>{x.is_active ? t('active') : t('deactivated')}</Badge>
          <Text size="xs" c="dimmed">{x.invited_at ? t('invited_on', { date: x.invited_at.slice(0, 10) }) : t('not_invited')}</Text>
        </Table.Td>
        {mayUpdate && (
          <Table.Td>
            <Group gap={4} wrap="nowrap">
              {x.is_active && (
                <Button size="compact-xs" variant="light" onClick={() => invite.mutate()} loading={invite.isPending}>
                  {t('resend_invite')}
                </Button>
              )}
              {x.is_active ? (
                <Button size="compact-xs" variant="subtle" color="red" onClick={() => setConfirming(true)}>{t('deactivate')}</Button>
              ) : (
                <Button size="compact-xs" variant="subtle" onClick={() => setActive.mutate(true)} loading={setActive.isPending}>
                  {t('reactivate')}
                </Button>
              )}
            </Group>
            {invite.isSuccess && <Text size="xs" role="status">{t('invite_sent')}</Text>}
          </Table.Td>
        )}
      </Table.Tr>
      {(invite.isError || (setActive.isError && !confirming)) && (
        <Table.Tr>
          <Table.Td colSpan={mayUpdate ? 6 : 5}>
            <ProblemAlert error={invite.error ?? setActive.error} />
          </Table.Td>
        </Table.Tr>
      )}
      <Modal opened={confirming} onClose={() => { setConfirming(false); setActive.reset(); }} title={t('deactivate')} centered closeButtonProps={{ 'aria-label': t('close') }}>
        <Stack>
          <Text size="sm">{t('deactivate_explain', { name: x.name })}</Text>
          {setActive.isError && <ProblemAlert error={setActive.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => { setConfirming(false); setActive.reset(); }}>{t('cancel')}</Button>
            <Button color="red" onClick={() => setActive.mutate(false)} loading={setActive.isPending}>{t('deactivate')}</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}

function AddStaff({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const libs = useLibraries();
  const [form, setForm] = useState<StaffForm>(EMPTY_STAFF_FORM);
  const [errors, setErrors] = useState<StaffErrors>({});
  const create = useMutation({
    mutationFn: (f: StaffForm) => unwrap(api.POST('/api/v1/libraries/staff', { body: staffBody(f) })),
    onSuccess: () => {
      void qc.invalidateQueries({ queryKey: ['staff'] });
      close();
    },
  });
  const close = () => {
    setForm(EMPTY_STAFF_FORM);
    setErrors({});
    create.reset();
    onClose();
  };
  const set = (change: Partial<StaffForm>) => setForm((f) => ({ ...f, ...change }));
  const err = (k: keyof StaffErrors) => (errors[k] ? t(errors[k]) : undefined);
  return (
    <Modal opened={opened} onClose={close} title={t('add_staff')} centered closeButtonProps={{ 'aria-label': t('close') }}>
      <form
        noValidate
        onSubmit={(e) => {
          e.preventDefault();
          const found = validateStaff(form);
          setErrors(found);
          if (Object.keys(found).length === 0) create.mutate(form);
        }}
      >
        <Stack>
          <Text size="sm" c="dimmed">{t('add_staff_explain')}</Text>
          <TextInput label={t('staff_name')} required value={form.name} onChange={(e) => set({ name: e.currentTarget.value })} error={err('name')} maxLength={120} data-autofocus />
          <TextInput label={t('email')} type="email" value={form.email} onChange={(e) => set({ email: e.currentTarget.value })} error={err('email')} maxLength={254} />
          <TextInput label={t('phone')} type="tel" value={form.phone} onChange={(e) => set({ phone: e.currentTarget.value })} error={err('phone')} maxLength={20} />
          <Select
            label={t('role')}
            required
            allowDeselect={false}
            data={[{ value: 'staff', label: t('role_staff') }, { value: 'manager', label: t('role_manager') }]}
            value={form.role}
            onChange={(v) => v && set({ role: v as StaffRole })}
          />
          <MultiSelect
            label={t('branches')}
            required
            data={(libs.data?.items ?? []).map((l) => ({ value: l.id, label: l.name }))}
            value={form.libraryIds}
            onChange={(v) => set({ libraryIds: v })}
            error={err('libraryIds')}
            data-testid="staff-branches"
          />
          {libs.isError && <ProblemAlert error={libs.error} onRetry={() => void libs.refetch()} />}
          {create.isError && <ProblemAlert error={create.error} />}
          <Group justify="flex-end">
            <Button variant="default" onClick={close}>{t('cancel')}</Button>
            <Button type="submit" loading={create.isPending}>{t('invite')}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
