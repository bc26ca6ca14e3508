// A payment link at the desk: where WhatsApp opens to share it, and whether the
// payment behind it is still waiting for the student (the desk polls only then).
import type { components } from '../api/schema';

type Payment = components['schemas']['PaymentRead'];

/** `https://wa.me/<number>?text=…` for an Indian mobile (+91…, 10 digits), else `wa.me/?text=…`
 * (WhatsApp then asks whom to send it to). */
export function whatsappShareUrl(text: string, phone?: string | null): string {
  const digits = (phone ?? '').replace(/\D/g, '');
  const number = digits.length === 10 ? `91${digits}` : digits.length === 12 && digits.startsWith('91') ? digits : '';
  return `https://wa.me/${number}?text=${encodeURIComponent(text)}`;
}

/** The link's URL while the payment can still be paid through it; null otherwise. */
export function openLinkUrl(payment: Pick<Payment, 'status' | 'checkout'>): string | null {
  const url = payment.checkout?.link_url ?? null;
  return url && (payment.status === 'created' || payment.status === 'pending') ? url : null;
}

/** Poll every few seconds while the student may still pay; stop once the payment settled. */
export function linkPollInterval(payment: Pick<Payment, 'status'> | undefined, ms = 3000): number | false {
  return !payment || payment.status === 'created' || payment.status === 'pending' ? ms : false;
}
