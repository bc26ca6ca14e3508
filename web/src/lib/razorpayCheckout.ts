// Razorpay Checkout as its web integration documents it: load checkout.js (the URL the
// API hands out; the console's CSP allows exactly that origin), open it on an order,
// and receive the signed answer that the API verifies. Nothing is decided here: the
// API fetches the payment from Razorpay before the plan changes.

export interface CheckoutAnswer {
  razorpay_order_id: string;
  razorpay_payment_id: string;
  razorpay_signature: string;
}

interface RazorpayOptions {
  key: string;
  order_id: string;
  amount: number;
  currency: 'INR';
  name: string;
  description: string;
  handler: (answer: CheckoutAnswer) => void;
  modal: { ondismiss: () => void };
}

type RazorpayConstructor = new (options: RazorpayOptions) => { open: () => void };

declare global {
  interface Window {
    Razorpay?: RazorpayConstructor;
  }
}

const loading = new Map<string, Promise<unknown>>();

/** A provider's checkout script, loaded once per URL; a failed load may be tried again.
 * `found` reads what the script defines once it ran. */
export function loadScript<T>(scriptUrl: string, found: () => T | undefined, name: string): Promise<T> {
  const known = loading.get(scriptUrl);
  if (known) return known as Promise<T>;
  const loaded = new Promise<T>((resolve, reject) => {
    const script = document.createElement('script');
    script.src = scriptUrl;
    script.async = true;
    script.onload = () => {
      const value = found();
      if (value) resolve(value);
      else reject(new Error(`${name} did not load`));
    };
    script.onerror = () => {
      loading.delete(scriptUrl);
      script.remove();
      reject(new Error(`${name} could not be loaded`));
    };
    document.head.appendChild(script);
  });
  loading.set(scriptUrl, loaded);
  return loaded;
}

/** checkout.js, loaded once per URL; a failed load may be tried again. */
export function loadCheckout(scriptUrl: string): Promise<RazorpayConstructor> {
  return loadScript(scriptUrl, () => window.Razorpay, 'Razorpay Checkout');
}

export interface CheckoutOrder {
  checkout_script_url: string;
  key_id: string | null;
  provider_order_id: string;
  amount_paise: number;
}

/** Checkout on `order`: its signed answer once paid, null when the person closed it. */
export async function payInCheckout(order: CheckoutOrder, description: string): Promise<CheckoutAnswer | null> {
  if (!order.key_id) throw new Error('Razorpay gave no key for Checkout');
  const key = order.key_id;
  const Razorpay = await loadCheckout(order.checkout_script_url);
  return new Promise((resolve) => {
    new Razorpay({
      key,
      order_id: order.provider_order_id,
      amount: order.amount_paise,
      currency: 'INR',
      name: 'StudySpot',
      description,
      handler: resolve,
      modal: { ondismiss: () => resolve(null) },
    }).open();
  });
}
