// Browser test of the Subscription page and the platform admin pages (driven by
// tests/web/test_console_subscription.py, which makes the owner and the admin, and
// records the owner's payment through the API between the runs).
//
//   BASE_URL=… ARTEFACTS=… EMAIL=<owner> PASSWORD=… ADMIN_EMAIL=… node e2e/subscription.mjs sub-trial|sub-upgrade|sub-online|sub-admin
//
// sub-trial: the owner sees the trial (14 days left), usage against every limit,
//   chooses Starter: ₹999.00 due; checkout shows the API's problem (no Razorpay account
//   in the test system) with its request id.
// sub-upgrade: after the payment, Active on Starter with its invoice; the upgrade quote
//   to Professional shows the API's amounts to the paisa before confirming; confirmed,
//   the plan stays Starter and the upgrade waits for its payment (this tenant pays by
//   invoice: an Unpaid invoice for the quoted amount, payable until the period ends);
//   the first invoice's PDF names its number, GSTIN and amounts.
// sub-online: an owner on Starter by Razorpay autopay upgrades to Professional and pays the
//   prorated amount in Razorpay Checkout (the local fake's checkout.js and payment frame):
//   the plan is Professional at once.
// sub-admin: a platform admin logs in, sees MRR and the months, and revises Starter's
//   price: the API's note about older versions is shown, the table says version 2.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, env, pdfText, runScenario } from './harness.mjs';

const { base, out, email, password } = env;
const scenario = process.argv[2] ?? 'sub-trial';
const adminEmail = process.env.ADMIN_EMAIL;

/** ₹ with Indian grouping, as the console's formatPaise writes it. */
function rupees(paise) {
  const r = String(Math.floor(Math.abs(paise) / 100));
  const last3 = r.slice(-3);
  let rest = r.slice(0, -3);
  const parts = [];
  while (rest.length > 2) {
    parts.unshift(rest.slice(-2));
    rest = rest.slice(0, -2);
  }
  if (rest) parts.unshift(rest);
  const grouped = parts.length ? `${parts.join(',')},${last3}` : last3;
  return `${paise < 0 ? '−' : ''}₹${grouped}.${String(Math.abs(paise) % 100).padStart(2, '0')}`;
}

async function logIn(page, as, who, secret) {
  await page.goto(base + '/login');
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  if (as) await page.getByText(as, { exact: true }).click();
  await page.getByLabel('Email').fill(who);
  await page.locator('input[type=password]').fill(secret);
  await page.getByRole('button', { name: 'Log in' }).click();
}

async function openSubscription(page) {
  await logIn(page, null, email, password);
  await page.waitForURL(/\/seat-map|\/setup/);
  await page.getByRole('link', { name: 'Subscription' }).click();
  await page.waitForURL(/\/subscription$/);
  await page.getByTestId('sub-status').waitFor();
}

async function trial(page, run) {
  await openSubscription(page);
  // textContent: the badge is upper-cased by CSS only.
  const status = await page.getByTestId('sub-status').textContent();
  check(status === 'Trial', `the status is Trial: ${status}`);
  const banner = await page.getByTestId('sub-trial').innerText();
  check(/Trial: 14 days left/.test(banner), `the trial banner says 14 days left: ${banner}`);
  const rows = page.getByTestId('usage-row');
  await rows.filter({ hasText: 'Seats' }).getByText('0 of 100', { exact: true }).waitFor();
  await rows.filter({ hasText: 'Students' }).getByText('0 of 200', { exact: true }).waitFor();
  // The message service's count of this month's paid messages, against the trial's 100.
  await rows.filter({ hasText: 'Message credits' }).getByText('0 of 100', { exact: true }).waitFor();
  check((await rows.count()) === 5, 'usage is shown for every limit');
  const usage = await page.locator('body').innerText();
  check(/Libraries\s+0 of 1/.test(usage) && /Seats\s+0 of 100/.test(usage) && /Students\s+0 of 200/.test(usage), `usage against the trial's limits: ${usage.slice(0, 800)}`);
  check(/Message credits per month\s+0 of 100/.test(usage), `message credits used this month: ${usage.slice(0, 800)}`);
  await run.shot(page, 'trial');
  await run.axe(page, 'subscription-trial');

  // Choose Starter: what is due is the API's amount.
  await page.getByTestId('plan-starter').getByTestId('plan-choose').click();
  await page.getByTestId('sub-due').waitFor();
  const due = await page.getByTestId('sub-due').innerText();
  check(due.includes('₹999.00'), `₹999.00 is due for Starter: ${due}`);
  check((await page.getByTestId('sub-chosen').innerText()).includes('Starter'), 'Starter is chosen');
  // No Razorpay account in the test system: the API's 503 problem, with its request id.
  await page.getByTestId('sub-checkout').click();
  await page.getByTestId('problem-detail').first().waitFor();
  const rid = await page.getByTestId('problem-request-id').first().innerText();
  check(/[A-Za-z0-9-]{8,}/.test(rid), `the request id is shown: ${rid}`);
  run.results.checkout_problem = await page.getByTestId('problem-detail').first().innerText();
  await run.shot(page, 'chosen-checkout-refused');
}

async function upgrade(page, run) {
  await openSubscription(page);
  const status = await page.getByTestId('sub-status').textContent();
  check(status === 'Active', `after the payment the status is Active: ${status}`);
  const invoice = page.getByTestId('sub-invoice').first();
  await invoice.waitFor();
  const row = await invoice.innerText();
  const number = /SS\/\d{4}-\d{2}\/\d{6}/.exec(row)?.[0];
  check(!!number && row.includes('₹999.00'), `the invoice of ₹999.00 is listed: ${row}`);
  await run.shot(page, 'active-starter');

  // The quote comes from the API and is shown to the paisa before anything changes.
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/current/upgrade/quote') && r.request().method() === 'POST'),
    page.getByTestId('plan-professional').getByTestId('plan-quote').click(),
  ]);
  check(resp.status() === 200, `the quote answered ${resp.status()}`);
  const quote = await resp.json();
  await page.getByTestId('upgrade-quote').waitFor();
  const shown = await page.getByTestId('quote-amount').innerText();
  check(shown === rupees(quote.amount_due_paise), `the quote shows ${rupees(quote.amount_due_paise)}: ${shown}`);
  const box = await page.getByTestId('upgrade-quote').innerText();
  check(box.includes(rupees(quote.charge_paise)) && box.includes(rupees(-quote.credit_paise)), `charge and credit are shown: ${box}`);
  check(quote.charge_paise - quote.credit_paise === quote.amount_due_paise, 'charge less credit is what is due');
  run.results.quote = quote;
  await run.shot(page, 'upgrade-quote');
  await run.axe(page, 'upgrade-quote');
  const [confirm] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/current/upgrade') && r.request().method() === 'POST'),
    page.getByTestId('upgrade-confirm').click(),
  ]);
  check(confirm.status() === 200, `the upgrade answered ${confirm.status()}`);
  // 200, not 409 quote_changed: the API took the quoted amount as expected_amount_paise.
  await page.getByTestId('upgrade-done').waitFor();
  // Nothing changes before the money arrives: the upgrade waits for its invoice to be paid.
  const pending = page.getByTestId('sub-pending-upgrade');
  await pending.waitFor();
  const waiting = await pending.innerText();
  check(waiting.includes('Professional') && waiting.includes(rupees(quote.amount_due_paise)) && /bank transfer/.test(waiting), `the upgrade waits for its payment: ${waiting}`);
  check((await page.getByRole('heading', { level: 2 }).first().innerText()) === 'Starter', 'the plan is still Starter');
  await page.getByTestId('plan-starter').getByText('Your plan').waitFor();
  await run.shot(page, 'upgrade-pending');
  await run.axe(page, 'upgrade-pending');

  // The upgrade is invoiced at once for the quoted amount (no autopay here), Unpaid, beside the first invoice.
  const upgradeRow = page.getByTestId('sub-invoice').filter({ hasText: rupees(quote.amount_due_paise) }).first();
  await upgradeRow.waitFor();
  check((await upgradeRow.getByTestId('sub-invoice-status').textContent()) === 'Unpaid', 'the upgrade invoice is Unpaid');
  check((await page.getByTestId('sub-invoice').count()) === 2, 'the upgrade added one invoice');

  // The first invoice's PDF.
  const first = page.getByTestId('sub-invoice').filter({ hasText: number });
  const [download] = await Promise.all([page.waitForEvent('download'), first.getByTestId('sub-invoice-pdf').click()]);
  const pdfPath = join(out, `sub-invoice-${number.replace(/[^A-Za-z0-9-]/g, '-')}.pdf`);
  await download.saveAs(pdfPath);
  const pdf = readFileSync(pdfPath);
  check(pdf.subarray(0, 5).toString() === '%PDF-', 'the download is a PDF');
  const text = pdfText(pdf);
  for (const expected of [number, 'TAX INVOICE', 'GSTIN: 29AAACS0000A1Z9', 'INR 846.61', 'INR 999.00']) {
    check(text.includes(expected), `the PDF shows ${expected}`);
  }
  run.results.invoice = number;

  // 768 px: the page does not scroll sideways.
  await page.setViewportSize({ width: 768, height: 1024 });
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  check(width <= 768, `no horizontal overflow at 768 px (scrollWidth ${width})`);
  await run.shot(page, 'tablet-768');
}

async function admin(page, run) {
  check(adminEmail, 'ADMIN_EMAIL is set');
  await logIn(page, 'StudySpot admin', adminEmail, password);
  await page.waitForURL(/\/admin\/revenue$/);
  await page.getByTestId('rev-rev_mrr').waitFor();
  const mrr = await page.getByTestId('rev-rev_mrr').innerText();
  check(mrr.includes('₹'), `MRR is shown: ${mrr}`);
  await page.getByTestId('rev-month').first().waitFor();
  const nav = await page.getByRole('navigation', { name: 'Main' }).innerText();
  check(!nav.includes('Seat map') && nav.includes('Plans'), `an admin sees the platform pages only: ${nav}`);
  run.results.mrr = mrr;
  await run.shot(page, 'revenue');
  await run.axe(page, 'admin-revenue');

  await page.getByRole('link', { name: 'Plans' }).click();
  await page.waitForURL(/\/admin\/plans$/);
  const starter = page.getByTestId('admin-plan-starter');
  await starter.waitFor();
  await starter.getByTestId('plan-edit').click();
  await page.getByTestId('plan-form').waitFor();
  await run.axe(page, 'admin-plan-form');
  await page.getByTestId('plan-monthly_price_paise').fill('1,099');
  await page.getByTestId('plan-save').click();
  await page.getByTestId('plan-note').waitFor();
  const note = await page.getByTestId('plan-note').innerText();
  check(/Version 2/.test(note), `the API's note on versions is shown: ${note}`);
  await starter.getByText('₹1,099.00').waitFor();
  const revised = await starter.innerText();
  check(/\b2\b/.test(revised), `Starter is version 2 at ₹1,099.00: ${revised}`);
  run.results.note = note;
  await run.shot(page, 'plan-revised');
}

async function upgradeOnline(page, run) {
  await openSubscription(page);
  check((await page.getByRole('heading', { level: 2 }).first().innerText()) === 'Starter', 'on Starter, paid by autopay');
  const [resp] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/current/upgrade/quote') && r.request().method() === 'POST'),
    page.getByTestId('plan-professional').getByTestId('plan-quote').click(),
  ]);
  check(resp.status() === 200, `the quote answered ${resp.status()}`);
  const quote = await resp.json();
  run.results.quote = quote;
  await page.getByTestId('upgrade-confirm').click();
  const pending = page.getByTestId('sub-pending-upgrade');
  await pending.waitFor();
  const waiting = await pending.innerText();
  check(waiting.includes(rupees(quote.amount_due_paise)) && waiting.includes('Razorpay'), `the upgrade waits for its online payment: ${waiting}`);
  await run.axe(page, 'upgrade-online-pending');

  // Razorpay Checkout (the local fake's checkout.js, allowed by the console's CSP) opens
  // its payment frame on the upgrade's order; paying there hands the signed answer back.
  await page.getByTestId('upgrade-pay').click();
  const frame = page.frameLocator('[data-testid="razorpay-checkout"]');
  const payButton = frame.getByRole('button', { name: `Pay ₹${(quote.amount_due_paise / 100).toFixed(2)}` });
  await payButton.waitFor();
  await run.shot(page, 'razorpay-checkout');
  const [verified] = await Promise.all([
    page.waitForResponse((r) => r.url().endsWith('/current/upgrade/verify') && r.request().method() === 'POST'),
    payButton.click(),
  ]);
  check(verified.status() === 200, `the verification answered ${verified.status()}`);
  run.results.outcome = (await verified.json()).outcome;
  await page.getByTestId('sub-pending-upgrade').waitFor({ state: 'detached' });
  await page.getByRole('heading', { level: 2, name: 'Professional' }).waitFor();
  await page.getByTestId('plan-professional').getByText('Your plan').waitFor();
  await run.shot(page, 'upgraded-online');
}

const scenarios = { 'sub-trial': trial, 'sub-upgrade': upgrade, 'sub-admin': admin, 'sub-online': upgradeOnline };
check(scenario in scenarios, `unknown scenario ${scenario}`);
await runScenario(scenario, scenarios[scenario]);
