// The desk in under a minute: find or admit the student by phone, pick a free
// seat on the map, choose the plan, take the payment, hand over the invoice.
// Every POST that creates money or a booking carries an Idempotency-Key kept
// for the attempt, so a double click or a retry never books or charges twice.
import { Alert, Button, Checkbox, Group, Image, Paper, SegmentedControl, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, fetchBlob, idempotencyKey, saveBlob, unwrap } from '../api/client';
import { useFeePlans, useLibraryToday } from '../api/queries';
import type { components } from '../api/schema';
import { LibraryShiftPicker } from '../components/LibraryShiftPicker';
import { PaymentLinkPanel } from '../components/PaymentLink';
import { Money } from '../components/Money';
import { ProblemAlert } from '../components/ProblemAlert';
import { QueryState } from '../components/QueryState';
import { SeatGrid, type SeatAvailability } from '../components/SeatGrid';
import { useI18n } from '../i18n';
import type { MessageKey } from '../i18n/en';
import { formatPaise } from '../lib/money';
import { CONSENT_CHANNELS, type ConsentChannel } from '../lib/consent';
import { isMinor, normaliseMobile } from '../lib/validation';
import { offerWaitlist } from '../lib/waitlist';
import { useAvailability } from './SeatMapPage';

type Student = components['schemas']['StudentRead'];
type Booking = components['schemas']['BookingRead'];
type Payment = components['schemas']['PaymentRead'];
type Method = Payment['method'];

// What the desk offers: the API's methods, and a payment link made at Razorpay or Cashfree.
type Choice = Method | 'link';
type LinkProvider = 'razorpay' | 'cashfree';
const CHOICES: Choice[] = ['cash', 'card', 'upi', 'razorpay', 'cashfree', 'link'];

/** An Idempotency-Key that stays the same while the attempt is the same, and changes with it. */
function useAttemptKey(deps: unknown[]): string {
  const ref = useRef({ deps: '', key: idempotencyKey() });
  const sig = JSON.stringify(deps);
  if (ref.current.deps !== sig) ref.current = { deps: sig, key: idempotencyKey() };
  return ref.current.key;
}

export default function Desk() {
  const { t } = useI18n();
  const qc = useQueryClient();
  const [sel, setSel] = useState<{ library: string | null; shift: string | null }>({ library: null, shift: null });
  const [student, setStudent] = useState<Student | null>(null);
  const [seat, setSeat] = useState<SeatAvailability | null>(null);
  const [plan, setPlan] = useState<string | null>(null);
  const [booking, setBooking] = useState<Booking | null>(null);
  const [payment, setPayment] = useState<Payment | null>(null);
  const onPick = useCallback((v: { library: string | null; shift: string | null }) => {
    setSel({ library: v.library, shift: v.shift });
    setSeat(null);
  }, []);
  const reset = () => { setStudent(null); setSeat(null); setBooking(null); setPayment(null); };
  const onPaid = useCallback((p: Payment) => { setPayment(p); void qc.invalidateQueries(); }, [qc]);

  return (
    <Stack maw={1100}>
      <Title order={1} size="h2">{t('desk_title')}</Title>
      <LibraryShiftPicker library={sel.library} shift={sel.shift} onChange={onPick} />
      <StudentStep library={sel.library} student={student} onStudent={setStudent} />
      {student && sel.library && sel.shift && !booking && (
        <SeatStep library={sel.library} shift={sel.shift} seat={seat} onSeat={setSeat} plan={plan} onPlan={setPlan} student={student} onBooked={setBooking} />
      )}
      {booking && !payment && <PayStep booking={booking} phone={student?.phone} onPaid={onPaid} />}
      {payment && <ReceiptStep payment={payment} onNext={reset} />}
    </Stack>
  );
}

function StudentStep({ library, student, onStudent }: { library: string | null; student: Student | null; onStudent: (s: Student | null) => void }) {
  const { t } = useI18n();
  const [phone, setPhone] = useState('');
  const [name, setName] = useState('');
  const [dob, setDob] = useState('');
  const [guardian, setGuardian] = useState({ name: '', phone: '', email: '' });
  // The reminders the student said yes to, per channel: the message service records them.
  const [agreed, setAgreed] = useState<ConsentChannel[]>([]);
  const [error, setError] = useState<MessageKey | null>(null);
  const normalised = normaliseMobile(phone);
  const today = useLibraryToday(library);
  const minor = !!today && isMinor(dob, today);
  const guardianPhone = normaliseMobile(guardian.phone);
  // A minor's messages go to the guardian: the desk does not admit one without them.
  const guardianMissing = minor && (!guardian.name.trim() || !guardianPhone);
  const found = useQuery({
    queryKey: ['students-by-phone', normalised],
    enabled: !!normalised && !student,
    queryFn: () => unwrap(api.GET('/api/v1/students', { params: { query: { q: normalised ?? '', page_size: 5 } } })),
  });
  const key = useAttemptKey([normalised, name, library, dob, guardian, agreed]);
  const admit = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/students', {
          body: {
            name: name.trim(), phone: normalised ?? '', home_library_id: library ?? '',
            date_of_birth: dob || null,
            ...(minor
              ? { guardian_name: guardian.name.trim(), guardian_phone: guardianPhone, guardian_email: guardian.email.trim() || null }
              : {}),
            consent: {
              whatsapp: agreed.includes('whatsapp'), sms: agreed.includes('sms'), email: agreed.includes('email'),
              data_processing: false,
            },
          },
          headers: { 'Idempotency-Key': key },
        }),
      ),
    onSuccess: onStudent,
  });
  if (student) {
    return (
      <Paper withBorder p="md">
        <Group justify="space-between">
          <Text data-testid="desk-student">{t('desk_step_student')}: <b>{student.name}</b> · {student.enrollment_number} · {student.phone}</Text>
          <Button variant="subtle" size="xs" onClick={() => onStudent(null)}>{t('cancel')}</Button>
        </Group>
      </Paper>
    );
  }
  const matches = (found.data?.items ?? []).filter((s) => s.phone === normalised);
  return (
    <Paper withBorder p="md">
      <Stack>
        <Title order={2} size="h4">{t('desk_step_student')}</Title>
        <TextInput label={t('find_by_phone')} value={phone} onChange={(e) => { setPhone(e.currentTarget.value); setError(null); }} type="tel" error={error ? t(error) : undefined} onBlur={() => setError(phone && !normalised ? 'v_mobile' : null)} data-autofocus />
        {found.isError && <ProblemAlert error={found.error} />}
        {matches.map((s) => (
          <Alert key={s.id} color="blue" data-testid="duplicate">
            <Group justify="space-between">
              <Text size="sm">{t('student_found', { name: s.name, number: s.enrollment_number })}</Text>
              <Button size="xs" onClick={() => onStudent(s)}>{t('use_student')}</Button>
            </Group>
          </Alert>
        ))}
        {normalised && found.isSuccess && matches.length === 0 && (
          <Stack gap="sm">
            <Group align="end">
              <TextInput label={t('student_name')} value={name} onChange={(e) => setName(e.currentTarget.value)} required w={280} />
              <TextInput label={t('date_of_birth')} type="date" value={dob} max={today ?? undefined} onChange={(e) => setDob(e.currentTarget.value)} w={170} />
            </Group>
            {minor && (
              <Stack gap={4} data-testid="desk-guardian">
                <Text size="sm" c="dimmed">{t('desk_minor_hint')}</Text>
                <Group align="end">
                  <TextInput label={t('guardian_name')} value={guardian.name} onChange={(e) => setGuardian({ ...guardian, name: e.currentTarget.value })} required w={220} />
                  <TextInput
                    label={t('guardian_phone')} type="tel" value={guardian.phone} required w={180}
                    onChange={(e) => setGuardian({ ...guardian, phone: e.currentTarget.value })}
                    error={guardian.phone && !guardianPhone ? t('v_mobile') : undefined}
                  />
                  <TextInput label={t('guardian_email')} type="email" value={guardian.email} onChange={(e) => setGuardian({ ...guardian, email: e.currentTarget.value })} w={240} />
                </Group>
              </Stack>
            )}
            <Checkbox.Group label={t('desk_consent_label')} description={t('desk_consent_hint')} value={agreed} onChange={(v) => setAgreed(v as ConsentChannel[])}>
              <Group mt={6}>
                {CONSENT_CHANNELS.map((c) => <Checkbox key={c} value={c} label={t(`msg_channel_${c}`)} />)}
              </Group>
            </Checkbox.Group>
            <Group>
              <Button onClick={() => admit.mutate()} loading={admit.isPending} disabled={!name.trim() || !library || guardianMissing}>{t('admit')}</Button>
            </Group>
          </Stack>
        )}
        {admit.error && <ProblemAlert error={admit.error} />}
      </Stack>
    </Paper>
  );
}

function SeatStep(props: {
  library: string; shift: string; seat: SeatAvailability | null; onSeat: (s: SeatAvailability) => void;
  plan: string | null; onPlan: (p: string | null) => void; student: Student; onBooked: (b: Booking) => void;
}) {
  const { t } = useI18n();
  const today = useLibraryToday(props.library);
  const [picked, setStart] = useState<string | null>(null);
  const start = picked ?? today ?? '';
  const plans = useFeePlans(props.library);
  const usable = (plans.data?.items ?? []).filter((p) => p.is_active && (p.shift_ids.length === 0 || p.shift_ids.includes(props.shift)));
  const chosen = usable.find((p) => p.id === props.plan) ?? null;
  const { onPlan } = props;
  useEffect(() => {
    if (!chosen && usable[0]) onPlan(usable[0].id);
  }, [chosen, usable, onPlan]);
  const availability = useAvailability(props.library, props.shift, start);
  const floating = chosen?.seat_assignment === 'floating';
  const key = useAttemptKey([props.student.id, props.seat?.seat_id, chosen?.id, start, props.shift]);
  const book = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/bookings', {
          body: {
            library_id: props.library, fee_plan_id: chosen?.id ?? '', start_date: start, student_id: props.student.id,
            shift_id: props.shift, seat_id: floating ? null : (props.seat?.seat_id ?? null),
          },
          headers: { 'Idempotency-Key': key },
        }),
      ),
    onSuccess: props.onBooked,
  });
  return (
    <Paper withBorder p="md">
      <Stack>
        <Title order={2} size="h4">{t('desk_step_seat')}</Title>
        <Group align="end">
          <Select label={t('plan')} data={usable.map((p) => ({ value: p.id, label: `${p.name} · ${formatPaise(p.price_paise)}` }))} value={props.plan} onChange={props.onPlan} w={300} allowDeselect={false} />
          <TextInput label={t('start_date')} type="date" value={start} onChange={(e) => setStart(e.currentTarget.value)} w={170} />
        </Group>
        {plans.isError && <ProblemAlert error={plans.error} />}
        {!floating && (
          <>
            <Text size="sm">{props.seat ? t('picked_seat', { label: props.seat.label }) : t('pick_seat')}</Text>
            <QueryState query={availability} isEmpty={(a) => a.seats.length === 0} empty={t('no_seats')}>
              {(a) => <SeatGrid seats={a.seats} selected={props.seat?.seat_id} onSeat={props.onSeat} pickableOnly />}
            </QueryState>
          </>
        )}
        {book.error && <ProblemAlert error={book.error} />}
        <Group justify="end">
          <Button onClick={() => book.mutate()} loading={book.isPending} disabled={!chosen || (!floating && !props.seat)} data-testid="hold-seat">{t('book')}</Button>
        </Group>
        {/* With no seat free the student can wait instead (lib/waitlist.ts). */}
        {chosen && offerWaitlist(floating, availability.data?.seats) && (
          <JoinWaitlist library={props.library} shift={props.shift} plan={chosen.id} start={start} student={props.student} />
        )}
      </Stack>
    </Paper>
  );
}

function JoinWaitlist(props: { library: string; shift: string; plan: string; start: string; student: Student }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const join = useMutation({
    mutationFn: () =>
      unwrap(
        api.POST('/api/v1/bookings/waitlist', {
          body: { library_id: props.library, shift_id: props.shift, fee_plan_id: props.plan, start_date: props.start, student_id: props.student.id },
        }),
      ),
    onSuccess: () => void qc.invalidateQueries({ queryKey: ['waitlist', props.library] }),
  });
  return (
    <Alert color="gray" data-testid="join-waitlist">
      <Stack gap="xs">
        <Text size="sm">{t('wl_none_free', { name: props.student.name })}</Text>
        {join.data ? (
          <Text size="sm" role="status" data-testid="waitlist-joined">{t('wl_joined', { position: join.data.position ?? '—' })}</Text>
        ) : (
          <Group><Button size="xs" variant="light" onClick={() => join.mutate()} loading={join.isPending}>{t('wl_join')}</Button></Group>
        )}
        {join.error && <ProblemAlert error={join.error} />}
      </Stack>
    </Alert>
  );
}

function PayStep({ booking, phone, onPaid }: { booking: Booking; phone?: string | null; onPaid: (p: Payment) => void }) {
  const { t } = useI18n();
  const [method, setMethod] = useState<Choice>('cash');
  const [via, setVia] = useState<LinkProvider>('razorpay');
  const [reference, setReference] = useState('');
  const [open, setOpen] = useState<Payment | null>(null);
  const key = useAttemptKey([booking.id, method, reference, via]);
  const pay = useMutation({
    mutationFn: () =>
      method === 'link'
        ? unwrap(api.POST('/api/v1/payments/links', { body: { booking_id: booking.id, provider: via }, headers: { 'Idempotency-Key': key } }))
        : unwrap(
            api.POST('/api/v1/payments', {
              body: { booking_id: booking.id, method, ...(reference.trim() && method === 'card' ? { reference: reference.trim() } : {}) },
              headers: { 'Idempotency-Key': key },
            }),
          ),
    onSuccess: (p) => (p.status === 'captured' ? onPaid(p) : setOpen(p)),
  });
  const amount = formatPaise(booking.total_paise);
  return (
    <Paper withBorder p="md">
      <Stack>
        <Title order={2} size="h4">{t('desk_step_pay')}</Title>
        <Text data-testid="booking-total">
          {t('seat')} {booking.seat_label ?? '—'} · {booking.start_date} – {booking.end_date} · {t('total')} <b><Money paise={booking.total_paise} /></b>
        </Text>
        {booking.hold_expires_at && <Text size="xs" c="dimmed">{t('hold_until', { time: new Date(booking.hold_expires_at).toLocaleTimeString() })}</Text>}
        <SegmentedControl aria-label={t('method')} value={method} onChange={(v) => setMethod(v as Choice)} data={CHOICES.map((m) => ({ value: m, label: t(`m_${m}` as MessageKey) }))} disabled={!!open} />
        {method === 'card' && <TextInput label={t('reference')} value={reference} onChange={(e) => setReference(e.currentTarget.value)} w={280} />}
        {method === 'link' && (
          <Stack gap={4}>
            <Text size="sm" id="link-provider">{t('link_provider')}</Text>
            <SegmentedControl aria-labelledby="link-provider" value={via} onChange={(v) => setVia(v as LinkProvider)} data={(['razorpay', 'cashfree'] as const).map((m) => ({ value: m, label: t(`m_${m}`) }))} disabled={!!open} w={260} />
          </Stack>
        )}
        {!open && (
          <Group justify="end">
            <Button onClick={() => pay.mutate()} loading={pay.isPending} data-testid="take-payment">{method === 'link' ? t('send_link', { amount }) : t('take_payment', { amount })}</Button>
          </Group>
        )}
        {pay.error && <ProblemAlert error={pay.error} />}
        {open && (open.checkout?.link_url
          ? <PaymentLinkPanel payment={open} phone={phone} onPaid={onPaid} onClosed={() => setOpen(null)} />
          : <OpenPayment payment={open} onPaid={onPaid} />)}
      </Stack>
    </Paper>
  );
}

/** A UPI payment waiting for the money (QR for the exact amount), or a provider checkout link. */
function OpenPayment({ payment, onPaid }: { payment: Payment; onPaid: (p: Payment) => void }) {
  const { t } = useI18n();
  const [utr, setUtr] = useState('');
  const qr = useQuery({
    queryKey: ['upi-qr', payment.id],
    enabled: payment.method === 'upi',
    queryFn: async () => URL.createObjectURL(await fetchBlob(`/api/v1/payments/${payment.id}/upi-qr?format=svg`)),
  });
  const verify = useMutation({
    mutationFn: () =>
      unwrap(api.POST('/api/v1/payments/{payment_id}/verify', { params: { path: { payment_id: payment.id } }, body: utr ? { utr } : {} })),
    onSuccess: (p) => p.status === 'captured' && onPaid(p),
  });
  const link = payment.checkout?.upi_link ?? null;
  return (
    <Stack>
      <Text>{t('payment_status', { status: payment.status })}</Text>
      {payment.method === 'upi' && (
        <>
          <Text size="sm">{t('upi_scan', { amount: formatPaise(payment.amount_paise) })}</Text>
          {qr.data && <Image src={qr.data} alt={t('upi_scan', { amount: formatPaise(payment.amount_paise) })} w={220} h={220} data-testid="upi-qr" />}
          {qr.isError && <ProblemAlert error={qr.error} />}
          <Group align="end">
            <TextInput label={t('upi_utr')} value={utr} onChange={(e) => setUtr(e.currentTarget.value.trim())} inputMode="numeric" w={200} />
            <Button onClick={() => verify.mutate()} loading={verify.isPending}>{t('upi_verify')}</Button>
          </Group>
          {verify.error && <ProblemAlert error={verify.error} />}
        </>
      )}
      {payment.method !== 'upi' && (
        // Razorpay and Cashfree answer an order (paid through their checkout), not a link:
        // the order id is shown as what it is, a link only when the provider gave one.
        <Text size="sm" data-testid="provider-order">
          {link ? (
            <>{t('provider_link')}: <a href={link}>{link}</a></>
          ) : (
            <>{t('provider_order', { provider: t(`m_${payment.method}` as MessageKey) })}: <code>{payment.checkout?.order_id ?? payment.provider_order_id ?? '—'}</code></>
          )}
        </Text>
      )}
    </Stack>
  );
}

function ReceiptStep({ payment, onNext }: { payment: Payment; onNext: () => void }) {
  const { t } = useI18n();
  const invoice = useQuery({
    queryKey: ['invoice', payment.id],
    queryFn: async () => {
      const doc = await unwrap(api.GET('/api/v1/payments/{payment_id}/invoice', { params: { path: { payment_id: payment.id }, query: { format: 'json' } } }));
      if (typeof doc === 'string') throw new Error('expected the invoice as JSON');
      return doc;
    },
  });
  const download = useMutation({
    mutationFn: async (number: string) => {
      const blob = await fetchBlob(`/api/v1/payments/${payment.id}/invoice?format=pdf`);
      saveBlob(blob, `${number.replace(/[^A-Za-z0-9-]/g, '-')}.pdf`);
    },
  });
  return (
    <Paper withBorder p="md">
      <Stack>
        <Title order={2} size="h4">{t('desk_step_receipt')}</Title>
        <Text>{t('payment_status', { status: payment.status })} · <Money paise={payment.amount_paise} /></Text>
        <QueryState query={invoice}>
          {(inv) => (
            <Group>
              <Text data-testid="invoice-number">{t('invoice', { number: inv.number })} · <Money paise={inv.total_paise} /></Text>
              <Button variant="light" onClick={() => download.mutate(inv.number)} loading={download.isPending} data-testid="download-invoice">{t('download_pdf')}</Button>
              <Button variant="subtle" onClick={() => window.print()}>{t('print')}</Button>
            </Group>
          )}
        </QueryState>
        {download.error && <ProblemAlert error={download.error} />}
        <Group justify="end"><Button onClick={onNext}>{t('next_student')}</Button></Group>
      </Stack>
    </Paper>
  );
}
