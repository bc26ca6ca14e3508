// The owner's door displays of a library: create one (its key is shown once, inside the
// link to open on the tablet), list them, revoke one.
import { Alert, Button, Code, CopyButton, Group, Stack, Table, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type FormEvent } from 'react';
import { api, unwrap } from '../../api/client';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';

export function DisplayDevices({ library }: { library: string }) {
  const { t } = useI18n();
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ name: string; link: string } | null>(null);
  const devices = useQuery({
    queryKey: ['display-devices'],
    queryFn: () => unwrap(api.GET('/api/attendance/display-devices')),
  });
  const create = useMutation({
    mutationFn: () => unwrap(api.POST('/api/attendance/display-devices', { body: { library_id: library, name: name.trim() } })),
    onSuccess: async (d) => {
      // The key lives only in the fragment: it is never sent to the server as part of the URL.
      setCreated({ name: d.name, link: `${window.location.origin}/attendance/display/${library}#key=${encodeURIComponent(d.display_key)}` });
      setName('');
      await queryClient.invalidateQueries({ queryKey: ['display-devices'] });
    },
  });
  const revoke = useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/attendance/display-devices/{device_id}/revoke', { params: { path: { device_id: id } } })),
    onSuccess: () => queryClient.invalidateQueries({ queryKey: ['display-devices'] }),
  });
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (name.trim()) create.mutate();
  };
  return (
    <Stack mt="lg" data-testid="display-devices">
      <Title order={2} size="h3">{t('att_devices_title')}</Title>
      <Text size="sm" c="dimmed">{t('att_devices_hint')}</Text>
      <form onSubmit={submit} noValidate>
        <Group align="end">
          <TextInput label={t('att_device_name')} value={name} onChange={(e) => setName(e.currentTarget.value)} maxLength={60} required />
          <Button type="submit" loading={create.isPending} disabled={!name.trim()}>{t('att_device_create')}</Button>
        </Group>
      </form>
      {create.error && <ProblemAlert error={create.error} />}
      {created && (
        <Alert color="red.9" variant="filled" title={t('att_device_once', { name: created.name })} data-testid="device-link">
          <Code block style={{ wordBreak: 'break-all', whiteSpace: 'pre-wrap' }}>{created.link}</Code>
          <Group mt="xs">
            <CopyButton value={created.link}>
              {({ copied, copy }) => <Button size="xs" variant="light" onClick={copy}>{copied ? t('copied') : t('copy')}</Button>}
            </CopyButton>
            <Button size="xs" variant="subtle" onClick={() => setCreated(null)}>{t('att_device_hide')}</Button>
          </Group>
        </Alert>
      )}
      {revoke.error && <ProblemAlert error={revoke.error} />}
      <QueryState query={devices} isEmpty={(d) => !d.some((x) => x.library_id === library)} empty={t('att_devices_empty')}>
        {(d) => (
          <Table data-testid="devices-table">
            <Table.Thead>
              <Table.Tr>
                <Table.Th>{t('att_device_name')}</Table.Th>
                <Table.Th>{t('att_device_last_used')}</Table.Th>
                <Table.Th>{t('status')}</Table.Th>
                <Table.Th>{t('actions')}</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {d.filter((x) => x.library_id === library).map((x) => (
                <Table.Tr key={x.id} data-device={x.name}>
                  <Table.Td>{x.name}</Table.Td>
                  <Table.Td>{x.last_used_at ? new Date(x.last_used_at).toLocaleString() : '—'}</Table.Td>
                  <Table.Td>{x.revoked_at ? t('att_device_revoked') : t('att_device_active')}</Table.Td>
                  <Table.Td>
                    {!x.revoked_at && (
                      <Button size="xs" color="red" variant="light" onClick={() => revoke.mutate(x.id)} loading={revoke.isPending && revoke.variables === x.id}>
                        {t('att_device_revoke')}
                      </Button>
                    )}
                  </Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        )}
      </QueryState>
    </Stack>
  );
}
