// Browser test of the owner console against a running system (driven by
// tests/web/test_console_flow.py); harness.mjs launches Debian's Chromium and
// keeps the screenshots of every step in $ARTEFACTS.
//
//   BASE_URL=http://127.0.0.1:3000 ARTEFACTS=/tmp/a EMAIL=… PASSWORD=… node e2e/console.mjs proof|outage
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, env, pdfText, pickOption, runScenario } from './harness.mjs';

const { base, out, email, password } = env;
const scenario = process.argv[2] ?? 'proof';

async function proof(page, run) {
  await page.goto(base + '/');
  await page.waitForURL(/\/login$/);
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  await run.axe(page, 'login');
  await page.getByRole('link', { name: /Create an account/ }).click();
  await page.getByLabel('Your name').fill('Meera Iyer');
  await page.getByLabel('Business name').fill('Gyan Study Point');
  await page.getByLabel('Email').fill(email);
  await page.locator('input[type=password]').fill(password);
  await run.shot(page, 'signup');
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.waitForURL(/\/setup$/);

  // Library, with a mistyped GSTIN first: the form names the checksum problem.
  await page.getByLabel('Library name').fill('Gyan Study Point, Kothrud');
  await page.getByLabel('Address').fill('12 Karve Road, Kothrud');
  await page.getByLabel('City').fill('Pune');
  await pickOption(page, 'State', 'Maharashtra');
  await page.getByLabel('PIN code').fill('411038');
  await page.getByLabel('GSTIN (optional)').fill('27AAPFU0939F1ZX');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByText('The check character does not match').waitFor();
  await run.shot(page, 'gstin-checksum-refused');
  await page.getByLabel('GSTIN (optional)').fill('27AAPFU0939F1ZV');
  await run.axe(page, 'onboarding');
  await page.getByRole('button', { name: 'Next' }).click();

  // Seats: 2 rows x 5.
  await page.getByLabel('Rows').fill('2');
  await page.getByLabel('Seats per row').fill('5');
  await page.getByText('10 seats: A1 … B5').waitFor();
  await run.shot(page, 'seats');
  await page.getByRole('button', { name: 'Create seats' }).click();
  // Shifts: the defaults include Night 22:00-06:00 (crosses midnight) and Full day.
  await page.getByRole('button', { name: 'Create shifts' }).waitFor();
  check((await page.getByText('ends the next day').count()) === 1, 'the night shift is shown crossing midnight');
  await run.shot(page, 'shifts');
  await page.getByRole('button', { name: 'Create shifts' }).click();
  await page.getByRole('button', { name: 'Create fee plans' }).waitFor();
  await run.shot(page, 'plans');
  await page.getByRole('button', { name: 'Create fee plans' }).click();
  await page.getByRole('button', { name: 'Open the seat map' }).click();

  await page.waitForURL(/\/seat-map/);
  await page.locator('[data-seat="A1"]').waitFor();
  check((await page.locator('[data-seat]').count()) === 10, 'ten seats on the map');
  check((await page.locator('[data-state="free"]').count()) === 10, 'all ten free');
  await page.getByTestId('waitlist').getByText('Nobody is waiting for this shift.').waitFor();
  await run.shot(page, 'seat-map-empty');
  await run.axe(page, 'seat-map');

  // The desk: phone first, then name, admit.
  await page.getByRole('link', { name: 'Desk' }).click();
  await pickOption(page, 'Shift', /^Morning/);
  await page.getByLabel('Find by mobile number').fill('98765 43210');
  await page.getByLabel('Student name').fill('Asha Verma');
  await run.axe(page, 'desk');
  await page.getByRole('button', { name: 'Admit student' }).click();
  await page.getByTestId('desk-student').getByText('Asha Verma').waitFor();
  await page.locator('[data-seat="A1"]').click();
  await page.getByText('Seat A1').first().waitFor();
  await run.shot(page, 'desk-seat-picked');
  await page.getByTestId('hold-seat').click();
  await page.getByTestId('booking-total').waitFor();
  const totalText = await page.getByTestId('booking-total').innerText();
  check(totalText.includes('₹1,500.00'), `the booking total is ₹1,500.00: ${totalText}`);
  await run.shot(page, 'desk-payment');
  await page.getByTestId('take-payment').click();
  await page.getByTestId('invoice-number').waitFor();
  const invoiceLine = await page.getByTestId('invoice-number').innerText();
  const number = /Invoice (\S+)/.exec(invoiceLine)?.[1];
  check(!!number, `an invoice number is shown: ${invoiceLine}`);
  check(invoiceLine.includes('₹1,500.00'), `the invoice total is ₹1,500.00: ${invoiceLine}`);
  await run.shot(page, 'receipt');
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('download-invoice').click()]);
  const pdfPath = join(out, `invoice-${number.replace(/[^A-Za-z0-9-]/g, '-')}.pdf`);
  await download.saveAs(pdfPath);
  const pdf = readFileSync(pdfPath);
  check(pdf.subarray(0, 5).toString() === '%PDF-', 'the download is a PDF');
  const text = pdfText(pdf);
  check(text.includes(number), `the PDF names invoice ${number}`);
  check(text.includes('1,500.00'), 'the PDF shows the amount 1,500.00');
  run.results.invoice = number;

  // Dues: nothing owed.
  await page.getByRole('link', { name: 'Dues' }).click();
  await page.getByText('Nothing is owed.').waitFor();
  await run.shot(page, 'dues-nothing-owed');
  await run.axe(page, 'dues');

  // The seat map shows A1 booked (the booking is confirmed by the payment's event).
  await page.getByRole('link', { name: 'Seat map' }).click();
  await pickOption(page, 'Shift', /^Morning/);
  await page.waitForURL(/shift=/);
  const deadline = Date.now() + 45_000;
  while ((await page.locator('[data-seat="A1"]').getAttribute('data-state').catch(() => null)) !== 'booked') {
    check(Date.now() < deadline, 'seat A1 shows booked within 45 s');
    await page.waitForTimeout(1000);
    await page.reload();
    await page.locator('[data-seat="A1"]').waitFor();
  }
  await page.locator('[data-seat="A1"]').click();
  await page.getByTestId('occupant').getByText('Asha Verma').waitFor();
  await run.shot(page, 'seat-booked');

  // Booking actions from the seat: a pause longer than the plan allows is refused and the
  // API's problem is shown; a cancel with a reason frees the seat.
  const actions = page.getByTestId('booking-actions');
  await actions.getByRole('button', { name: 'Pause', exact: true }).click();
  await page.getByLabel('Days').fill('365');
  await actions.getByTestId('booking-action-confirm').click();
  await actions.getByTestId('problem-detail').waitFor();
  check((await actions.getByTestId('problem-request-id').innerText()).length > 10, 'the refused pause shows its request id');
  await run.shot(page, 'pause-refused');
  await run.axe(page, 'booking-actions');
  await actions.getByRole('button', { name: 'Cancel booking', exact: true }).click();
  await actions.getByLabel('Reason').fill('Moving to another city');
  await actions.getByTestId('booking-action-confirm').click();
  await actions.getByTestId('booking-action-done').getByText('Cancelled').waitFor();
  await run.shot(page, 'booking-cancelled');
  await page.keyboard.press('Escape');
  const freed = Date.now() + 30_000;
  while ((await page.locator('[data-seat="A1"]').getAttribute('data-state').catch(() => null)) !== 'free') {
    check(Date.now() < freed, 'seat A1 is free again within 30 s of the cancel');
    await page.waitForTimeout(1000);
    await page.reload();
    await page.locator('[data-seat="A1"]').waitFor();
  }

  // A refund of part of the cash payment: one paisa more than was paid is stopped at the
  // desk; ₹500 with a reason is refunded.
  await page.getByRole('link', { name: 'Payments' }).click();
  await page.getByRole('button', { name: 'Refund' }).first().click();
  const dialog = page.getByRole('dialog');
  await dialog.getByText('Left to refund: ₹1,500.00').waitFor();
  await dialog.getByLabel('Refund amount (₹)').fill('1,500.01');
  await dialog.getByLabel('Reason').fill('Cancelled: moving to another city');
  await dialog.getByRole('button', { name: 'Refund' }).click();
  await dialog.getByText('More than what is left to refund').waitFor();
  await dialog.getByLabel('Refund amount (₹)').fill('500');
  await run.axe(page, 'refund');
  await dialog.getByRole('button', { name: 'Refund' }).click();
  const done = await dialog.getByTestId('refund-done').innerText();
  check(done.includes('₹500.00'), `the refund of ₹500.00 is confirmed: ${done}`);
  await run.shot(page, 'refunded');
  await page.keyboard.press('Escape');
  await page.getByRole('link', { name: 'Seat map' }).click();

  // A 768 px tablet: no sideways scrolling of the page.
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.reload();
  await page.locator('[data-seat="A1"]').waitFor();
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 768, `no horizontal overflow at 768 px (scrollWidth ${width})`);
  await run.shot(page, 'tablet-768');
}

async function outage(page, run) {
  await page.goto(base + '/login');
  await page.getByLabel('Email').fill(email);
  await page.locator('input[type=password]').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/seat-map/);
  await page.getByTestId('problem-detail').waitFor({ timeout: 30_000 });
  const detail = await page.getByTestId('problem-detail').innerText();
  const rid = await page.getByTestId('problem-request-id').innerText();
  check(detail.length > 0, 'the problem detail is shown');
  check(/[A-Za-z0-9-]{8,}/.test(rid), `the request id is shown: ${rid}`);
  check((await page.locator('[data-seat]').count()) === 0, 'no seat is drawn without the booking service');
  run.results.detail = detail;
  await run.shot(page, 'seat-map-booking-down');
}

await runScenario(scenario, scenario === 'outage' ? outage : proof);
