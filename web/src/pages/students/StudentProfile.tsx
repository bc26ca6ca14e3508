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
import { indiaDate, indiaDateTime } from '../../lib/subscription';
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
            {may('messages:read') && <GuardianConsent studentId={s.id} />}
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

// A minor's reminders go out only on the channels the guardian allowed through the
// consent link the message service sent (the switches above are the desk's record and do
// not count for a minor). Staff see what was asked, when and how, and the guardian's
// answers; with messages:create they ask again, once a day.
function GuardianConsent({ studentId }: { studentId: string }) {
  const { t } = useI18n();
  const may = usePermissions();
  const qc = useQueryClient();
  const key = ['guardian-consent', studentId];
  const state = useQuery({
    queryKey: key,
    queryFn: () =>
      unwrap(api.GET('/api/messages/guardian-consents/{student_id}', { params: { path: { student_id: studentId } } })),
  });
  const resend = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/messages/guardian-consents/{student_id}/resend', { params: { path: { student_id: studentId } } })),
    onSettled: () => void qc.invalidateQueries({ queryKey: key }),
  });
  if (state.data && !state.data.minor) return null;
  return (
    <section aria-labelledby="guardian-consent-heading" data-testid="guardian-consent">
      <Title order={2} size="h4" id="guardian-consent-heading" mb="xs">{t('guardian_consent_title')}</Title>
      <QueryState query={state}>
        {(g) => {
          const answers = new Map(g.answers.map((a) => [a.channel, a]));
          const waitUntil = g.resend_available_at;
          return (
            <Paper withBorder p="md">
              <Text size="sm" mb="xs">{t('guardian_consent_policy')}</Text>
              <Text size="sm" data-testid="guardian-request">
                {g.request
                  ? t('guardian_asked', {
                      date: indiaDateTime(g.request.requested_at),
                      channel: t(`msg_channel_${g.request.channel}`),
                      contact: g.request.contact,
                      status: g.request.delivery_status ?? '—',
                    })
                  : t('guardian_not_asked')}
                {g.request && (g.request.answered_at ? ` ${t('guardian_answered', { date: indiaDateTime(g.request.answered_at) })}` : ` ${t('guardian_not_answered')}`)}
              </Text>
              <Table data-testid="guardian-answers" mt="xs">
                <Table.Thead>
                  <Table.Tr>
                    <Table.Th>{t('msg_channel')}</Table.Th>
                    <Table.Th>{t('consent_purpose_reminders')}</Table.Th>
                    <Table.Th>{t('guardian_answer_by')}</Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {CONSENT_CHANNELS.map((c) => {
                    const a = answers.get(c);
                    return (
                      <Table.Tr key={c}>
                        <Table.Td>{t(`msg_channel_${c}`)}</Table.Td>
                        <Table.Td>{a ? (a.granted ? t('guardian_granted') : t('guardian_refused')) : '—'}</Table.Td>
                        <Table.Td>
                          {a
                            ? t('guardian_answer_detail', {
                                contact: a.contact,
                                via: t(`guardian_via_${a.via}`),
                                date: indiaDateTime(a.recorded_at),
                              })
                            : '—'}
                        </Table.Td>
                      </Table.Tr>
                    );
                  })}
                </Table.Tbody>
              </Table>
              {may('messages:create') && (
                <Group mt="sm">
                  <Button variant="light" onClick={() => resend.mutate()} loading={resend.isPending}>
                    {t('guardian_resend')}
                  </Button>
                  {waitUntil && <Text size="xs" c="dimmed">{t('guardian_resend_after', { date: indiaDateTime(waitUntil) })}</Text>}
                </Group>
              )}
              {resend.error && <ProblemAlert error={resend.error} />}
            </Paper>
          );
        }}
      </QueryState>
    </section>
  );
}
