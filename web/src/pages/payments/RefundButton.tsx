// A refund of (part of) one payment: at most what is left of it, with a reason,
// sent once per attempt (Idempotency-Key), the API's refusal shown as it said it.
import { Button, Modal, Stack, Text, TextInput } from '@mantine/core';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useRef, useState, type FormEvent } from 'react';
import { api, idempotencyKey, unwrap } from '../../api/client';
import type { components } from '../../api/schema';
import { ProblemAlert } from '../../components/ProblemAlert';
import { useI18n } from '../../i18n';
import type { MessageKey } from '../../i18n/en';
import { formatPaise } from '../../lib/money';
import { checkRefund, refundablePaise } from '../../lib/refund';

type Payment = components['schemas']['PaymentRead'];

export function RefundButton({ payment }: { payment: Payment }) {
  const { t } = useI18n();
  const qc = useQueryClient();
  const left = refundablePaise(payment);
  const [open, setOpen] = useState(false);
  const [amount, setAmount] = useState('');
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<{ amount?: MessageKey; reason?: MessageKey }>({});
  const key = useRef(idempotencyKey());

  const refund = useMutation({
    mutationFn: (paise: number) =>
      unwrap(
        api.POST('/api/v1/payments/{payment_id}/refunds', {
          params: { path: { payment_id: payment.id }, header: { 'Idempotency-Key': key.current } },
          body: { amount_paise: paise, reason: reason.trim() },
        }),
      ),
    onSuccess: () => void qc.invalidateQueries(),
  });
  const show = () => {
    setAmount(formatPaise(left).replace('₹', ''));
    setReason('');
    setErrors({});
    refund.reset();
    key.current = idempotencyKey();
    setOpen(true);
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = checkRefund(amount, left);
    const found = { amount: 'problem' in checked ? checked.problem : undefined, reason: reason.trim() ? undefined : ('v_required' as const) };
    setErrors(found);
    if ('paise' in checked && !found.reason) refund.mutate(checked.paise);
  };

  if (left <= 0 || !['captured', 'partially_refunded'].includes(payment.status)) return null;
  return (
    <>
      <Button size="xs" variant="light" color="red" onClick={show}>{t('refund')}</Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={t('refund')} centered closeButtonProps={{ 'aria-label': t('close') }}>
        <form onSubmit={submit} noValidate>
          <Stack>
            <Text size="sm">{t('refundable', { amount: formatPaise(left) })}</Text>
            <TextInput label={t('refund_amount')} value={amount} onChange={(e) => setAmount(e.currentTarget.value)} error={errors.amount && t(errors.amount)} inputMode="decimal" required />
            <TextInput label={t('refund_reason')} value={reason} onChange={(e) => setReason(e.currentTarget.value)} error={errors.reason && t(errors.reason)} maxLength={500} required />
            {refund.isError && <ProblemAlert error={refund.error} />}
            {refund.isSuccess ? (
              <Text c="green.9" role="status" data-testid="refund-done">{t('refund_done', { amount: formatPaise(refund.data.amount_paise) })}</Text>
            ) : (
              <Button type="submit" color="red" loading={refund.isPending}>{t('refund')}</Button>
            )}
          </Stack>
        </form>
      </Modal>
    </>
  );
}
