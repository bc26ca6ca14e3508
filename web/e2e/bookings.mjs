// Browser test of booking actions, the desk's UPI and provider payments, the waitlist
// and the reconciler's status (driven by tests/web/test_console_bookings.py, which makes
// the owner, the library with seats A1-A4 and a morning shift, Kavya Rao's booking on A1
// and the UPI, Razorpay and Cashfree accounts through the API before this runs).
//
//   BASE_URL=… ARTEFACTS=… EMAIL=… PASSWORD=… LIBRARY_ID=… SHIFT_ID=… TODAY=YYYY-MM-DD \
//   BOOKED=<name> RENEWAL_FROM=YYYY-MM-DD PHONE_UPI=… PHONE_RAZORPAY=… PHONE_CASHFREE=… PHONE_WAITING=… \
//   node e2e/bookings.mjs bookings|reconciled
//
// bookings: A1's booking moves to A2, then is renewed from the day after it ends → the
// desk admits a student onto A1 paying by UPI (the QR for the exact amount is drawn), one
// onto A3 paying by Razorpay and one onto A4 paying by Cashfree (the order each provider
// made is shown) → with no seat left, a fifth student joins the waitlist → the seat map
// takes them off it → the payments page says the reconciler never ran and lists both
// provider payments waiting.
// reconciled (the Razorpay order paid without a webhook, then `studyspot payments
// reconcile`): the payments page shows that pass, 2 checked, 1 settled, 1 still pending.
import { admitAndHold, chooseSegment, logIn } from './desk.mjs';
import { check, env, pickOption, runScenario } from './harness.mjs';

const { base } = env;
const scenario = process.argv[2] ?? 'bookings';
const library = process.env.LIBRARY_ID;
const shift = process.env.SHIFT_ID;
const today = process.env.TODAY;
const booked = process.env.BOOKED;
const renewalFrom = process.env.RENEWAL_FROM;
check(library && shift && today && booked && renewalFrom, 'LIBRARY_ID, SHIFT_ID, TODAY, BOOKED and RENEWAL_FROM are set');

const seatMapUrl = `${base}/seat-map?library=${library}&shift=${shift}&date=${today}`;

/** Waits until seat `label` is drawn in `state` (the map refetches after every action). */
async function seatIs(page, label, state) {
  await page.locator(`[data-seat="${label}"][data-state="${state}"]`).waitFor();
}

/** The seat's details drawer: the booking actions of whoever holds it. */
async function openSeat(page, label, occupant) {
  await page.locator(`[data-seat="${label}"]`).click();
  await page.getByTestId('occupant').getByText(occupant).waitFor();
  return page.getByTestId('booking-actions');
}

async function closeDrawer(page) {
  await page.keyboard.press('Escape');
  await page.getByTestId('seat-details').waitFor({ state: 'detached' });
}

async function takePayment(page, method) {
  await chooseSegment(page, method);
  check(await page.getByRole('radio', { name: method, exact: true }).isChecked(), `${method} is chosen`);
  await page.getByTestId('take-payment').click();
  await page.getByText('Payment created').waitFor();
}

async function bookings(page, run) {
  await logIn(page);
  await page.goto(seatMapUrl);
  await seatIs(page, 'A1', 'booked');
  await run.shot(page, 'seat-map-a1-booked');

  // Transfer: A1's booking to the free seat A2, from today.
  let actions = await openSeat(page, 'A1', booked);
  await actions.getByRole('button', { name: 'Transfer', exact: true }).click();
  await pickOption(page, 'Move to seat', 'A2');
  await actions.getByTestId('booking-action-confirm').click();
  const moved = await actions.getByTestId('booking-action-done').innerText();
  check(moved.includes('Moved to seat A2') && moved.includes(today), `the booking moved to A2 from today: ${moved}`);
  await run.shot(page, 'transferred');
  await run.axe(page, 'booking-actions');
  await closeDrawer(page);
  await seatIs(page, 'A1', 'free');
  await seatIs(page, 'A2', 'booked');

  // Renew: the same seat and plan from the day after the booking ends.
  actions = await openSeat(page, 'A2', booked);
  await actions.getByRole('button', { name: 'Renew', exact: true }).click();
  await actions.getByTestId('booking-action-confirm').click();
  const renewed = await actions.getByTestId('booking-action-done').innerText();
  check(renewed.includes(`Renewed: ${renewalFrom} –`), `renewed from ${renewalFrom}: ${renewed}`);
  run.results.renewed = renewed;
  await run.shot(page, 'renewed');
  await closeDrawer(page);

  // The desk, UPI: the QR for the exact amount, drawn from the API's image.
  await admitAndHold(page, process.env.PHONE_UPI, 'Arjun Mehta', 'A1');
  await takePayment(page, 'UPI (QR)');
  await page.getByText('Scan to pay ₹500.00').first().waitFor();
  const qr = page.getByTestId('upi-qr');
  await qr.waitFor();
  await page.waitForFunction(() => {
    const img = document.querySelector('[data-testid="upi-qr"]');
    return img instanceof HTMLImageElement && img.complete && img.naturalWidth > 0;
  });
  check((await qr.getAttribute('alt')) === 'Scan to pay ₹500.00', 'the QR is labelled with the amount');
  await run.shot(page, 'desk-upi-qr');
  await run.axe(page, 'desk-upi');

  // The desk, Razorpay: the order Razorpay made for this payment.
  await admitAndHold(page, process.env.PHONE_RAZORPAY, 'Sneha Kulkarni', 'A3');
  await takePayment(page, 'Razorpay');
  const order = await page.getByTestId('provider-order').innerText();
  const orderId = /Razorpay order: (order_\w+)/.exec(order)?.[1];
  check(!!orderId, `a Razorpay order id is shown: ${order}`);
  run.results.razorpay_order = orderId;
  await run.shot(page, 'desk-razorpay-order');

  // The desk, Cashfree: likewise its order (paid through Cashfree's checkout by its session).
  await admitAndHold(page, process.env.PHONE_CASHFREE, 'Meera Iyer', 'A4');
  await takePayment(page, 'Cashfree');
  const cf = await page.getByTestId('provider-order').innerText();
  const cfOrder = /Cashfree order: (ss_[0-9a-f]{32})/.exec(cf)?.[1];
  check(!!cfOrder, `a Cashfree order id is shown: ${cf}`);
  run.results.cashfree_order = cfOrder;
  await run.shot(page, 'desk-cashfree-order');

  // No seat is left (A1, A3 and A4 held, A2 booked): the fifth student waits.
  await admitAndHold(page, process.env.PHONE_WAITING, 'Rohan Desai', null);
  for (const label of ['A1', 'A2', 'A3', 'A4']) check((await page.locator(`[data-seat="${label}"]`).getAttribute('data-state')) !== 'free', `${label} is not free`);
  const join = page.getByTestId('join-waitlist');
  await join.getByText('No seat is free for this shift and plan. Rohan Desai can wait for one.').waitFor();
  await join.getByRole('button', { name: 'Put on the waitlist' }).click();
  await join.getByTestId('waitlist-joined').getByText('On the waitlist, place 1 in the queue.').waitFor();
  await run.shot(page, 'desk-waitlisted');

  // The seat map's waitlist has them first in line; staff take them off it.
  await page.goto(seatMapUrl);
  const waitlist = page.getByTestId('waitlist');
  const row = waitlist.getByRole('row').filter({ hasText: 'Waiting' });
  await row.waitFor();
  check((await row.getByRole('cell').first().innerText()).trim() === '1', 'first in line');
  await row.getByTestId('waitlist-student').getByText('Rohan Desai').waitFor();
  await run.shot(page, 'waitlist-one');
  await row.getByRole('button', { name: 'Take off the list' }).click();
  await waitlist.getByText('Nobody is waiting for this shift.').waitFor();
  await run.shot(page, 'waitlist-empty');

  // Payments: the reconciler has not run yet; both provider payments wait for it.
  await page.getByRole('link', { name: 'Payments' }).click();
  const panel = page.getByTestId('reconciliation');
  await panel.getByTestId('rc-never-run').getByText('The reconciler has never run yet for this business.').waitFor();
  await panel.getByTestId('rc-next').getByText(/Runs every 1440 min/).waitFor();
  const waiting = panel.getByTestId('rc-provider');
  for (const provider of ['Razorpay', 'Cashfree']) await waiting.getByRole('row').filter({ hasText: provider }).filter({ hasText: '₹500.00' }).waitFor();
  check((await waiting.getByRole('row').count()) === 3, 'two payments (and the header row) wait for the provider');
  await run.shot(page, 'reconciliation-never-run');
  await run.axe(page, 'payments');
}

async function reconciled(page, run) {
  await logIn(page);
  await page.getByRole('link', { name: 'Payments' }).click();
  const panel = page.getByTestId('reconciliation');
  await panel.getByTestId('rc-outcome').getByText('Succeeded').waitFor();
  const last = await panel.getByTestId('rc-last-run').innerText();
  check(last.includes('by hand (studyspot payments reconcile)'), `the pass was run by hand: ${last}`);
  const counts = await panel.getByTestId('rc-counts').innerText();
  check(counts === 'Checked 2: 1 settled, 0 failed, 1 still pending.', `what the pass did: ${counts}`);
  // The Cashfree payment, not paid, still waits; the Razorpay one no longer does.
  const waiting = panel.getByTestId('rc-provider');
  await waiting.getByRole('row').filter({ hasText: 'Cashfree' }).waitFor();
  check((await waiting.getByRole('row').filter({ hasText: 'Razorpay' }).count()) === 0, 'the settled Razorpay payment waits no more');
  run.results.last_run = last;
  await run.shot(page, 'reconciliation-after-run');
  await run.axe(page, 'payments-reconciled');
}

await runScenario(scenario, scenario === 'reconciled' ? reconciled : bookings);
