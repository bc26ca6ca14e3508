// Cashfree's checkout as its JS SDK (v3) documents it: load cashfree.js (the URL the API
// hands out; the console's CSP allows exactly that origin), start it in the mode the API
// names, and open the checkout in a modal on the order's payment session. The SDK hands
// the page nothing signed: the API asks Cashfree for the order's payments before any
// credit is added.
import { loadScript } from './razorpayCheckout';

interface CashfreeResult {
  error?: { message?: string };
  paymentDetails?: { paymentMessage?: string };
  redirect?: boolean;
}

interface CashfreeInstance {
  checkout: (options: { paymentSessionId: string; redirectTarget: '_modal' }) => Promise<CashfreeResult>;
}

type CashfreeFactory = (options: { mode: 'production' | 'sandbox' }) => CashfreeInstance;

declare global {
  interface Window {
    Cashfree?: CashfreeFactory;
  }
}

export interface CashfreeOrder {
  checkout_script_url: string;
  payment_session_id: string | null;
  cashfree_mode: 'production' | 'sandbox' | null;
}

/** Cashfree's checkout on `order`: true once the person paid, false when they closed it. */
export async function payInCashfree(order: CashfreeOrder): Promise<boolean> {
  if (!order.payment_session_id) throw new Error('Cashfree gave no payment session');
  const Cashfree = await loadScript(order.checkout_script_url, () => window.Cashfree, 'Cashfree');
  const result = await Cashfree({ mode: order.cashfree_mode ?? 'production' }).checkout({
    paymentSessionId: order.payment_session_id,
    redirectTarget: '_modal',
  });
  return !!result.paymentDetails;
}
