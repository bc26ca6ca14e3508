// A payment link the desk sent: its URL, a QR of it for the student's phone, a
// copy button and a WhatsApp share. The payment is polled while it waits, so the
// desk sees it paid when the provider's webhook lands (or the reconciler settles it).
import { Alert, Anchor, Button, CopyButton, Group, Image, Stack, Text } from '@mantine/core';
import { useMutation, useQuery } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api, fetchBlob, unwrap } from '../api/client';
import { useLibraries } from '../api/queries';
import type { components } from '../api/schema';
import { useI18n } from '../i18n';
import { formatPaise } from '../lib/money';
import { linkPollInterval, openLinkUrl, whatsappShareUrl } from '../lib/paylink';
import { ProblemAlert } from './ProblemAlert';

type Payment = components['schemas']['PaymentRead'];

export function PaymentLinkPanel(props: {
  payment: Payment; phone?: string | null; onPaid: (p: Payment) => void; onClosed: () => void;
}) {
  const { t } = useI18n();
  const { onPaid } = props;
  const current = useQuery({
    queryKey: ['payment', props.payment.id],
    queryFn: () => unwrap(api.GET('/api/v1/payments/{payment_id}', { params: { path: { payment_id: props.payment.id } } })),
    initialData: props.payment,
    refetchInterval: (q) => linkPollInterval(q.state.data),
  });
  const payment = current.data;
  useEffect(() => {
    if (payment.status === 'captured') onPaid(payment);
  }, [payment, onPaid]);
  const url = openLinkUrl(payment);
  const qr = useQuery({
    queryKey: ['link-qr', payment.id],
    enabled: !!url,
    queryFn: async () => URL.createObjectURL(await fetchBlob(`/api/v1/payments/${payment.id}/link-qr?format=svg`)),
  });
  const cancel = useMutation({
    mutationFn: () => unwrap(api.POST('/api/v1/payments/{payment_id}/cancel-link', { params: { path: { payment_id: payment.id } } })),
    onSuccess: () => void current.refetch(),
  });
  const libraries = useLibraries();
  const library = libraries.data?.items.find((l) => l.id === payment.library_id)?.name ?? 'StudySpot';
  const amount = formatPaise(payment.amount_paise);
  const expires = payment.checkout?.link_expires_at;

  if (!url) {
    // Cancelled or expired (a captured one has gone on to the receipt).
    return (
      <Stack>
        <Alert color="gray" data-testid="link-closed">{t('link_closed', { reason: payment.failure_reason ?? payment.status })}</Alert>
        <Group><Button variant="light" onClick={props.onClosed}>{t('link_again')}</Button></Group>
      </Stack>
    );
  }
  const share = whatsappShareUrl(t('link_share_text', { amount, library, url }), props.phone);
  return (
    <Stack data-testid="payment-link">
      <Text size="sm">{t('link_scan', { amount })}</Text>
      {qr.data && <Image src={qr.data} alt={t('link_scan', { amount })} w={220} h={220} data-testid="link-qr" />}
      {qr.isError && <ProblemAlert error={qr.error} />}
      <Text size="sm">{t('provider_link')}: <Anchor href={url} target="_blank" rel="noreferrer" data-testid="link-url">{url}</Anchor></Text>
      {expires && <Text size="xs" c="dimmed">{t('link_expires', { time: new Date(expires).toLocaleString() })}</Text>}
      <Group>
        <CopyButton value={url}>
          {({ copied, copy }) => (
            <Button variant="default" onClick={copy} data-testid="link-copy">{copied ? t('link_copied') : t('link_copy')}</Button>
          )}
        </CopyButton>
        <Button component="a" href={share} target="_blank" rel="noreferrer" variant="filled" color="teal.9" data-testid="link-whatsapp">{t('link_whatsapp')}</Button>
        <Button variant="subtle" color="red" onClick={() => cancel.mutate()} loading={cancel.isPending}>{t('link_cancel')}</Button>
      </Group>
      <Text size="sm" role="status" data-testid="link-status">{t('payment_status', { status: payment.status })} · {t('link_waiting')}</Text>
      {current.isError && <ProblemAlert error={current.error} />}
      {cancel.error && <ProblemAlert error={cancel.error} />}
    </Stack>
  );
}
