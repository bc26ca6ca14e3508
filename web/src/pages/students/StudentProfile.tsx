// One student: details, bookings (booking service) and payments (payment
// service, through the student API). Each part loads and fails on its own, so a
// payment service that is down shows its problem under "Payments" while the
// rest of the profile stays readable. Erasure asks for the name typed out.
import { Anchor, Button, Group, Modal, Paper, SimpleGrid, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState, type ReactNode } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, unwrap } from '../../api/client';
import { useLibraries } from '../../api/queries';
import type { components } from '../../api/schema';
import { Money } from '../../components/Money';
import { Pager } from '../../components/Pager';
import { ProblemAlert } from '../../components/ProblemAlert';
import { QueryState } from '../../components/QueryState';
import { useI18n } from '../../i18n';
import { CONSENT_CHANNELS, CONSENT_PURPOSES, DESK_NOTICE_VERSION, consentGrid, type ConsentChannel, type ConsentPurpose } from '../../lib/consent';
import { indiaDate } from '../../lib/subscription';
import { usePermissions } from '../../lib/usePermissions';
import { erasureConfirmed } from './erasure';
import { StatusBadge } from './StatusBadge';

type Student = components['schemas']['StudentRead'];
const HISTORY_PAGE_SIZE = 20;

export default function StudentProfile() {
  const { t } = useI18n();
  const { studentId = '' } = useParams();
  const may = usePermissions();
  const student = useQuery({
    queryKey: ['student', studentId],
    queryFn: () => unwrap(api.GET('/api/v1/students/{student_id}', { params: { path: { student_id: studentId } } })),
  });
  return (
    <Stack>
      <Anchor component={Link} to="/students" size="sm">← {t('students_title')}</Anchor>
      <QueryState query={student}>
        {(s) => (
          <Stack>
            <Group justify="space-between" wrap="wrap">
              <Title order={1} size="h2" data-testid="student-name">{s.name}</Title>
              <Group gap="xs">
                {may('students:invite') && !s.has_login && <InviteButton student={s} />}
                {may('students:delete') && <EraseButton student={s} />}
              </Group>
            </Group>
            <Details student={s} />
            {may('bookings:read') && <Bookings studentId={s.id} />}
            {may('payments:read') && <Payments studentId={s.id} />}
            {may('messages:read') && <MessageConsents studentId={s.id} />}
          </Stack>
        )}
      </QueryState>
    </Stack>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div>
      <Text size="xs" c="dimmed">{label}</Text>
      <Text size="sm">{children ?? '—'}</Text>
    </div>
  );
}

function Details({ student: s }: { student: Student }) {
  const { t } = useI18n();
  const libs = useLibraries();
  const home = libs.data?.items.find((l) => l.id === s.home_library_id)?.name;
  return (
    <Paper withBorder p="md">
      <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="sm">
        <Field label={t('enrollment')}><span data-testid="student-enrollment">{s.enrollment_number}</span></Field>
        <Field label={t('status')}><StatusBadge status={s.status} /></Field>
        <Field label={t('phone')}>{s.phone}</Field>
        <Field label={t('email')}>{s.email}</Field>
        <Field label={t('library')}>{home ?? '—'}</Field>
        <Field label={t('admission_date')}>{s.admission_date}</Field>
        <Field label={t('date_of_birth')}>{s.date_of_birth}</Field>
        <Field label={t('guardian')}>{s.guardian_name ? `${s.guardian_name} (${s.guardian_phone ?? '—'})` : null}</Field>
        <Field label={t('guardian_email')}><span data-testid="guardian-email">{s.guardian_email ?? '—'}</span></Field>
        <Field label={t('id_proof')}>{s.id_proof_type ? `${s.id_proof_type}: ${s.id_proof_number ?? '—'}` : null}</Field>
        <Field label={t('address')}>{s.address}</Field>
        {/* Message consent is the message service's alone (Messages the student agreed to, below). */}
        <Field label={t('consent_data_processing')}>
          <span data-testid="data-processing-consent">{s.consent.data_processing ? t('consent_given') : t('none')}</span>
        </Field>
        <Field label={t('self_service')}>
          {s.has_login ? t('has_login') : s.invited_at ? t('invited_on', { date: s.invited_at.slice(0, 10) }) : t('no_login')}
        </Field>
      </SimpleGrid>
      {s.notes && <Text size="sm" mt="sm">{s.notes}</Text>}
    </Paper>
  );
}

function Bookings({ studentId }: { studentId: string }) {
  const { t } = useI18n();
  const [page, setPage] = useState(1);
  const bookings = useQuery({
    queryKey: ['bookings', 'student', studentId, page],
    placeholderData: keepPreviousData,
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/bookings', {
          params: { query: { student_id: studentId, sort: '-start_date', page, page_size: HISTORY_PAGE_SIZE } },
        }),
      ),
  });
  return (
    <section aria-labelledby="bookings-heading">
      <Title order={2} size="h4" id="bookings-heading" mb="xs">{t('bookings')}</Title>
      <QueryState query={bookings} isEmpty={(b) => b.items.length === 0} empty={t('no_bookings')}>
        {(b) => (
          <>
            <Table.ScrollContainer minWidth={560}>
              <Table data-testid="student-bookings">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('booking_period')}</Table.Th>
                    <Table.Th>{t('seat')}</Table.Th>
                    <Table.Th>{t('status')}</Table.Th>
                    <Table.Th ta="right">{t('total')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {b.items.map((x) => (
                    <Table.Tr key={x.id}>
                      <Table.Td>{x.start_date} – {x.end_date}</Table.Td>
                      <Table.Td>{x.seat_label ?? t('floating_seat')}</Table.Td>
                      <Table.Td>{t(`bs_${x.status}`)}</Table.Td>
                      <Table.Td ta="right"><Money paise={x.total_paise} /></Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Pager page={page} pageSize={HISTORY_PAGE_SIZE} total={b.total} onPage={setPage} />
          </>
        )}
      </QueryState>
    </section>
  );
}

function Payments({ studentId }: { studentId: string }) {
  const { t } = useI18n();
  const [page, setPage] = useState(1);
  const payments = useQuery({
    queryKey: ['payments', 'student', studentId, page],
    placeholderData: keepPreviousData,
    queryFn: () =>
      unwrap(
        api.GET('/api/v1/students/{student_id}/payments', {
          params: { path: { student_id: studentId }, query: { page, page_size: HISTORY_PAGE_SIZE } },
        }),
      ),
  });
  return (
    <section aria-labelledby="payments-heading">
      <Title order={2} size="h4" id="payments-heading" mb="xs">{t('payments_title')}</Title>
      <QueryState query={payments} isEmpty={(p) => p.items.length === 0} empty={t('no_payments')}>
        {(p) => (
          <>
            <Table.ScrollContainer minWidth={560}>
              <Table data-testid="student-payments">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('created')}</Table.Th>
                    <Table.Th>{t('method')}</Table.Th>
                    <Table.Th>{t('status')}</Table.Th>
                    <Table.Th>{t('invoice_no')}</Table.Th>
                    <Table.Th ta="right">{t('amount')}</Table.Th>
                    <Table.Th ta="right">{t('refunded')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {p.items.map((x) => (
                    <Table.Tr key={x.id}>
                      <Table.Td>{(x.captured_at ?? x.created_at).slice(0, 10)}</Table.Td>
                      <Table.Td>{t(`m_${x.method}`)}</Table.Td>
                      <Table.Td>{t(`ps_${x.status}`)}</Table.Td>
                      <Table.Td>{x.invoice_number ?? '—'}</Table.Td>
                      <Table.Td ta="right"><Money paise={x.amount_paise} /></Table.Td>
                      <Table.Td ta="right">{x.refunded_paise ? <Money paise={x.refunded_paise} /> : '—'}</Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
            <Pager page={page} pageSize={HISTORY_PAGE_SIZE} total={p.total} onPage={setPage} />
          </>
        )}
      </QueryState>
    </section>
  );
}

function InviteButton({ student }: { student: Student }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const invite = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/students/{student_id}/invite', { params: { path: { student_id: student.id } } })),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['student', student.id] }),
  });
  return (
    <Stack gap={4}>
      <Button variant="light" onClick={() => invite.mutate()} loading={invite.isPending}>
        {student.invited_at ? t('resend_invite') : t('invite_student')}
      </Button>
      {invite.isSuccess && <Text size="xs" role="status">{t('invite_sent')}</Text>}
      {invite.isError && <ProblemAlert error={invite.error} />}
    </Stack>
  );
}

function EraseButton({ student }: { student: Student }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const navigate = useNavigate();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const erase = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/v1/students/{student_id}', { params: { path: { student_id: student.id } } })),
    onSuccess: () => {
      qc.removeQueries({ queryKey: ['student', student.id] });
      void qc.invalidateQueries({ queryKey: ['students'] });
      navigate('/students', { replace: true });
    },
  });
  const close = () => {
    setOpen(false);
    setTyped('');
    erase.reset();
  };
  return (
    <>
      <Button color="red" variant="outline" onClick={() => setOpen(true)}>{t('erase')}</Button>
      <Modal opened={open} onClose={close} title={t('erase')} centered closeButtonProps={{ 'aria-label': t('close') }}>
        <form
          onSubmit={(e) => {
            e.preventDefault();
            if (erasureConfirmed(student.name, typed)) erase.mutate();
          }}
        >
          <Stack>
            <Text size="sm">{t('erase_explain')}</Text>
            <Text size="sm">{t('erase_confirm')}</Text>
            <Text size="sm" fw={700}>{student.name}</Text>
            <TextInput
              label={t('student_name')}
              value={typed}
              onChange={(e) => setTyped(e.currentTarget.value)}
              autoComplete="off"
              data-autofocus
              data-testid="erase-confirm-input"
            />
            {erase.isError && <ProblemAlert error={erase.error} />}
            <Group justify="flex-end">
              <Button variant="default" onClick={close}>{t('cancel')}</Button>
              <Button type="submit" color="red" disabled={!erasureConfirmed(student.name, typed)} loading={erase.isPending}>
                {t('erase_now')}
              </Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </>
  );
}

// Consent the message service counts (reminders and promotional messages need a yes per
// channel); staff with messages:create record the student's answer, each one audited
// with the notice version the desk shows.
function MessageConsents({ studentId }: { studentId: string }) {
  const { t } = useI18n();
  const may = usePermissions();
  const qc = useQueryClient();
  const key = ['consents', studentId];
  const consents = useQuery({
    queryKey: key,
    queryFn: () => unwrap(api.GET('/api/messages/consents/{user_id}', { params: { path: { user_id: studentId } } })),
  });
  const save = useMutation({
    mutationFn: (v: { channel: ConsentChannel; purpose: ConsentPurpose; granted: boolean }) =>
      unwrap(
        api.PUT('/api/messages/consents/{user_id}', {
          params: { path: { user_id: studentId } },
          body: { ...v, notice_version: DESK_NOTICE_VERSION },
        }),
      ),
    onSuccess: () => void qc.invalidateQueries({ queryKey: key }),
  });
  const canRecord = may('messages:create');
  return (
    <section aria-labelledby="consent-heading">
      <Title order={2} size="h4" id="consent-heading" mb="xs">{t('consent_messages_title')}</Title>
      <QueryState query={consents}>
        {(rows) => {
          const grid = consentGrid(rows);
          return (
            <Paper withBorder p="md">
              <Table data-testid="message-consents">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('msg_channel')}</Table.Th>
                    {CONSENT_PURPOSES.map((p) => (
                      <Table.Th key={p}>{t(`consent_purpose_${p}`)}</Table.Th>
                    ))}
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {CONSENT_CHANNELS.map((c) => (
                    <Table.Tr key={c}>
                      <Table.Td>{t(`msg_channel_${c}`)}</Table.Td>
                      {CONSENT_PURPOSES.map((p) => {
                        const answer = grid[c][p];
                        return (
                          <Table.Td key={p}>
                            <Switch
                              aria-label={`${t(`msg_channel_${c}`)}: ${t(`consent_purpose_${p}`)}`}
                              checked={answer?.granted ?? false}
                              disabled={!canRecord || save.isPending}
                              onChange={(e) => save.mutate({ channel: c, purpose: p, granted: e.currentTarget.checked })}
                              description={answer ? t('consent_recorded_on', { date: indiaDate(answer.recorded_at) }) : undefined}
                            />
                          </Table.Td>
                        );
                      })}
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
              <Text size="xs" c="dimmed" mt="xs">{t('consent_messages_hint')}</Text>
              {save.error && <ProblemAlert error={save.error} />}
            </Paper>
          );
        }}
      </QueryState>
    </section>
  );
}
