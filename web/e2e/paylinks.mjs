// Browser test of payment links at the desk (driven by tests/web/test_console_paylinks.py,
// which makes the owner, the library with seats A1-A4, a morning shift and a ₹500 plan,
// and the Razorpay and Cashfree accounts at the local fakes before this runs; each fake
// posts its signed webhook to the gateway when its link page is paid).
//
//   BASE_URL=… ARTEFACTS=… EMAIL=… PASSWORD=… PHONE_1=… PHONE_2=… PHONE_3=… node e2e/paylinks.mjs paylinks
//
// Razorpay: the desk sends a link for ₹500.00 → its URL, a QR of it, copy, and a WhatsApp
// share addressed to the student's mobile → the student pays on the link's page → the
// desk, polling, moves on to the receipt with the invoice. Cashfree: the same, paid too.
// Razorpay again: the link is cancelled from the desk, which then takes cash instead.
import { admitAndHold, chooseSegment, logIn } from './desk.mjs';
import { check, env, runScenario } from './harness.mjs';

/** Sends a payment link through `provider` for the held booking; returns its URL. */
async function sendLink(page, provider) {
  await chooseSegment(page, 'Payment link');
  const via = page.getByRole('radiogroup', { name: 'Link by' });
  await chooseSegment(via, provider);
  check(await via.getByRole('radio', { name: provider, exact: true }).isChecked(), `the link is made by ${provider}`);
  const send = page.getByTestId('take-payment');
  check((await send.innerText()) === 'Send a payment link for ₹500.00', 'the button names the amount');
  await send.click();
  const panel = page.getByTestId('payment-link');
  await panel.waitFor();
  const url = await panel.getByTestId('link-url').getAttribute('href');
  check(url && url === (await panel.getByTestId('link-url').innerText()), `the link's URL is shown: ${url}`);
  await page.waitForFunction(() => {
    const img = document.querySelector('[data-testid="link-qr"]');
    return img instanceof HTMLImageElement && img.complete && img.naturalWidth > 0;
  });
  await panel.getByTestId('link-status').getByText('Payment pending').waitFor();
  return url;
}

/** The student opens the link on their phone and pays it at the (fake) provider. */
async function studentPays(page, url) {
  const phone = await page.context().newPage();
  await phone.goto(url);
  await phone.getByRole('button', { name: 'Pay ₹500.00' }).click();
  await phone.getByText('Payment successful').waitFor();
  await phone.close();
}

/** The desk moves on by itself once the webhook captured the payment: the receipt. */
async function receiptShown(page) {
  const number = await page.getByTestId('invoice-number').innerText();
  check(/^Invoice \S+ · ₹500\.00$/.test(number.trim()), `the invoice for ₹500.00: ${number}`);
  return number;
}

async function paylinks(page, run) {
  await page.context().grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.base });
  await logIn(page);

  // Razorpay: a link for the exact amount, shared as QR, copied, and on WhatsApp.
  await admitAndHold(page, process.env.PHONE_1, 'Ishaan Verma', 'A1');
  const rzp = await sendLink(page, 'Razorpay');
  check(/\/i\/plink_\w+$/.test(rzp), `a Razorpay payment link: ${rzp}`);
  run.results.razorpay_link = rzp;
  await page.getByTestId('link-copy').click();
  await page.getByTestId('link-copy').getByText('Link copied').waitFor();
  check((await page.evaluate(() => navigator.clipboard.readText())) === rzp, 'the link is on the clipboard');
  const share = await page.getByTestId('link-whatsapp').getAttribute('href');
  const mobile = process.env.PHONE_1.replace(/\D/g, '').slice(-10);
  check(share.startsWith(`https://wa.me/91${mobile}?text=`), `WhatsApp opens the student's chat: ${share}`);
  const text = decodeURIComponent(share.split('?text=')[1]);
  check(text.includes('₹500.00') && text.endsWith(rzp), `the message names the amount and ends with the link: ${text}`);
  await run.shot(page, 'razorpay-link');
  await run.axe(page, 'desk-payment-link');
  await studentPays(page, rzp);
  run.results.razorpay_invoice = await receiptShown(page);
  await run.shot(page, 'razorpay-link-paid');

  // Cashfree: the same, paid by the student on Cashfree's link page.
  await admitAndHold(page, process.env.PHONE_2, 'Diya Nair', 'A2');
  const cf = await sendLink(page, 'Cashfree');
  check(/\/links\/[\w-]+$/.test(cf), `a Cashfree payment link: ${cf}`);
  run.results.cashfree_link = cf;
  await run.shot(page, 'cashfree-link');
  await studentPays(page, cf);
  run.results.cashfree_invoice = await receiptShown(page);
  await run.shot(page, 'cashfree-link-paid');

  // A link cancelled at the desk (the student paid cash instead).
  await admitAndHold(page, process.env.PHONE_3, 'Kabir Shah', 'A3');
  run.results.cancelled_link = await sendLink(page, 'Razorpay');
  await page.getByRole('button', { name: 'Cancel the link' }).click();
  await page.getByTestId('link-closed').getByText('The link is closed: The payment link was cancelled').waitFor();
  await run.shot(page, 'link-cancelled');
  await page.getByRole('button', { name: 'Take the payment another way' }).click();
  await chooseSegment(page, 'Cash');
  await page.getByTestId('take-payment').click();
  await receiptShown(page);
  await run.shot(page, 'cash-after-cancel');
}

await runScenario(process.argv[2] ?? 'paylinks', paylinks);
