import { describe, expect, it } from 'vitest';
import { linkPollInterval, openLinkUrl, whatsappShareUrl } from './paylink';

describe('sharing a payment link on WhatsApp', () => {
  const text = 'Please pay ₹500 for your seat at Gyan Kendra: https://rzp.io/i/abc?x=1&y=2';
  it('opens the student\'s own chat for an Indian mobile, the text encoded whole', () => {
    const url = whatsappShareUrl(text, '+919876543210');
    expect(url.startsWith('https://wa.me/919876543210?text=')).toBe(true);
    expect(decodeURIComponent(url.split('?text=')[1] ?? '')).toBe(text);
  });
  it('adds the country code to a bare 10-digit mobile', () => {
    expect(whatsappShareUrl('hi', '98765 43210')).toBe('https://wa.me/919876543210?text=hi');
  });
  it('lets WhatsApp ask whom to send it to without a usable number', () => {
    expect(whatsappShareUrl('a b', null)).toBe('https://wa.me/?text=a%20b');
    expect(whatsappShareUrl('a', '12345')).toBe('https://wa.me/?text=a');
  });
});

describe('an open payment link', () => {
  const checkout = { provider: 'razorpay' as const, amount_paise: 50_000, currency: 'INR' as const, link_url: 'https://rzp.io/i/abc' };
  it('is shown while the payment waits', () => {
    expect(openLinkUrl({ status: 'pending', checkout })).toBe('https://rzp.io/i/abc');
  });
  it('is gone once paid or failed', () => {
    expect(openLinkUrl({ status: 'captured', checkout })).toBeNull();
    expect(openLinkUrl({ status: 'failed', checkout })).toBeNull();
  });
  it('is polled only while the student may still pay', () => {
    expect(linkPollInterval({ status: 'pending' })).toBe(3000);
    expect(linkPollInterval({ status: 'captured' })).toBe(false);
    expect(linkPollInterval({ status: 'failed' })).toBe(false);
  });
});
