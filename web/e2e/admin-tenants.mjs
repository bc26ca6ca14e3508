// Browser test of the platform admin's tenant pages and what the owner then sees (driven
// by tests/web/test_console_admin_tenants.py, which makes the tenant: on Starter, with an
// upgrade to Enterprise superseded by one to Professional, so one invoice is void with a
// credit note and the Professional one waits for its bank transfer).
//
//   BASE_URL=… ARTEFACTS=… EMAIL=<owner> PASSWORD=… ADMIN_EMAIL=… TENANT_NAME=… node e2e/admin-tenants.mjs admin-tenant|owner-after
//
// admin-tenant: the admin finds the tenant in the list (search), opens it: Active on
//   Starter, the upgrade waiting; records the unpaid invoice's payment, first with a wrong
//   amount (the API's 422 problem is shown, nothing recorded), then exactly: confirmed, the
//   invoice is Paid and the plan Professional; overrides the student limit to 450
//   (confirmed, old → new shown first); the credit note and the history are listed.
// owner-after: the owner's page shows students against 450, the message credits used this
//   month against Professional's 3,000 with the month, and the credit note with its PDF.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, env, pdfText, runScenario } from './harness.mjs';

const { base, out, email, password } = env;
const scenario = process.argv[2] ?? 'admin-tenant';
const adminEmail = process.env.ADMIN_EMAIL;
const tenantName = process.env.TENANT_NAME;

async function logIn(page, as, who) {
  await page.goto(base + '/login');
  await page.getByRole('heading', { name: 'Log in' }).waitFor();
  if (as) await page.getByText(as, { exact: true }).click();
  await page.getByLabel('Email').fill(who);
  await page.locator('input[type=password]').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

async function adminTenant(page, run) {
  check(adminEmail && tenantName, 'ADMIN_EMAIL and TENANT_NAME are set');
  await logIn(page, 'StudySpot admin', adminEmail);
  await page.waitForURL(/\/admin\/revenue$/);
  await page.getByRole('link', { name: 'Tenants' }).click();
  await page.waitForURL(/\/admin\/tenants$/);
  // The search is asked once typing pauses: wait for its answer, not the first list.
  await Promise.all([
    page.waitForResponse((r) => r.url().includes('/api/v1/subscriptions/tenants?') && r.url().includes('q=')),
    page.getByTestId('tenants-search').fill(tenantName),
  ]);
  const row = page.getByTestId('tenant-row').filter({ hasText: tenantName });
  await row.waitFor();
  const listed = await row.innerText();
  check(/starter/.test(listed) && /Active/.test(listed) && /1 unpaid invoice/i.test(listed), `the list shows plan, status and the unpaid invoice: ${listed}`);
  await run.shot(page, 'list');
  await run.axe(page, 'admin-tenants');

  await row.getByRole('link', { name: tenantName }).click();
  await page.waitForURL(/\/admin\/tenants\/[0-9a-f-]{36}$/);
  await page.getByTestId('tenant-sub-status').waitFor();
  check((await page.getByTestId('tenant-sub-status').textContent()) === 'Active', 'the subscription is Active');
  check((await page.getByTestId('tenant-subscription_plan').innerText()) === 'starter', 'on Starter');
  check(/professional/.test(await page.getByTestId('tenant-pending-upgrade').innerText()), 'the upgrade to Professional waits');
  // This month's paid messages, as the message service counts them, against Starter's 500.
  const credits = page.getByTestId('tenant-usage_message_credits');
  await credits.getByText(/^\d+ of 500 \(\d{4}-\d{2}\)$/).waitFor();
  run.results.credits_admin = await credits.innerText();
  const unpaid = page.getByTestId('tenant-invoice').filter({ has: page.getByTestId('invoice-pay') });
  await unpaid.waitFor();
  const unpaidText = await unpaid.innerText();
  const number = /SS\/\d{4}-\d{2}\/\d{6}/.exec(unpaidText)?.[0];
  check(!!number, `the unpaid invoice has its number: ${unpaidText}`);
  check((await page.getByTestId('tenant-invoice').filter({ hasText: 'Void' }).count()) === 1, 'the superseded invoice is Void');
  await page.getByTestId('credit-note').first().waitFor();
  run.results.invoice = number;

  // A wrong amount: the API's problem, nothing recorded.
  await unpaid.getByTestId('invoice-pay').click();
  const form = page.getByTestId('payment-form');
  const asked = await form.getByTestId('payment-amount').inputValue();
  await form.getByTestId('payment-amount').fill('1.00');
  await form.getByTestId('payment-reference').fill('UTR55501');
  await form.getByTestId('payment-record').click();
  await form.getByTestId('payment-confirm').click();
  await form.getByTestId('problem-detail').waitFor();
  const problem = await form.getByTestId('problem-detail').innerText();
  check(/total is/.test(problem), `the API's amount problem is shown: ${problem}`);
  await run.shot(page, 'payment-refused');

  // Exactly the invoice's total, confirmed: Paid, and the upgrade applies. The day the
  // money arrived is today (India) unless changed: the invoice was issued today.
  await form.getByTestId('payment-amount').fill(asked);
  const day = await form.getByTestId('payment-received-on').inputValue();
  check(/^\d{4}-\d{2}-\d{2}$/.test(day), `the day the money arrived is filled in: ${day}`);
  await form.getByTestId('payment-record').click();
  const box = await form.getByTestId('payment-confirm-box').innerText();
  check(box.includes(`₹${asked}`) && box.includes('UTR55501') && box.includes(number) && box.includes(day), `the confirmation names amount, reference, day and invoice: ${box}`);
  run.results.received_on = day;
  await run.axe(page, 'admin-payment-confirm');
  await form.getByTestId('payment-confirm').click();
  const paidRow = page.getByTestId('tenant-invoice').filter({ hasText: number });
  await paidRow.getByText('Paid', { exact: true }).waitFor();
  check((await paidRow.innerText()).includes(`received ${day}`), 'the invoice says the day the money arrived');
  await page.getByTestId('tenant-subscription_plan').getByText('professional', { exact: true }).waitFor();
  check((await page.getByTestId('tenant-pending-upgrade').count()) === 0, 'nothing waits any more');
  run.results.paid_amount = asked;
  await run.shot(page, 'invoice-paid');

  // The student limit, overridden: old → new shown before it is saved.
  await page.getByTestId('limit-max_students').fill('450');
  await page.getByTestId('limits-save').click();
  const change = await page.getByTestId('limits-confirm-box').innerText();
  check(/Students: 1500 → 450/.test(change), `the change is shown first: ${change}`);
  // Only what was changed, against Professional's limits (the form follows the plan paid).
  check((change.match(/→/g) ?? []).length === 1, `only the student limit changes: ${change}`);
  await page.getByTestId('limits-confirm').click();
  await page.getByTestId('limits-saved').waitFor();
  await page.getByTestId('tenant-history').filter({ hasText: 'limits overridden' }).waitFor();
  // The page has reloaded the tenant (the new limits remount the form): the message stays.
  await page.waitForLoadState('networkidle');
  check(await page.getByTestId('limits-saved').isVisible(), 'the saved message outlives the reload');
  const history = await page.getByTestId('tenant-history').filter({ hasText: 'invoice paid' }).innerText();
  check(history.includes('UTR55501') && history.includes('platform_admin'), `the history names the payment: ${history}`);
  await run.shot(page, 'limits-history');
  await run.axe(page, 'admin-tenant');
}

async function ownerAfter(page, run) {
  await logIn(page, null, email);
  await page.waitForURL(/\/seat-map|\/setup/);
  await page.getByRole('link', { name: 'Subscription' }).click();
  await page.waitForURL(/\/subscription$/);
  await page.getByRole('heading', { level: 2, name: 'Professional' }).waitFor();
  const students = page.getByTestId('usage-row').filter({ hasText: 'Students' });
  await students.getByText('0 of 450', { exact: true }).waitFor();
  const credits = page.getByTestId('usage-row').filter({ hasText: 'Message credits' });
  await credits.getByText(/Paid SMS and WhatsApp messages sent in \d{4}-\d{2}/).waitFor();
  const creditRow = await credits.innerText();
  const shown = /(\d+) of 3000/.exec(creditRow);
  check(shown !== null, `message credits used of Professional's 3000: ${creditRow}`);
  run.results.credits_used = Number(shown[1]);
  run.results.credits_row = creditRow;

  const note = page.getByTestId('credit-note').first();
  await note.waitFor();
  const noteText = await note.innerText();
  const noteNumber = /SS-CN\/\d{4}-\d{2}\/\d{6}/.exec(noteText)?.[0];
  check(!!noteNumber, `the credit note is listed: ${noteText}`);
  run.results.credit_note = noteNumber;
  await run.shot(page, 'owner-subscription');
  await run.axe(page, 'owner-credit-notes');
  const [download] = await Promise.all([page.waitForEvent('download'), note.getByTestId('credit-note-pdf').click()]);
  const path = join(out, `admin-credit-note.pdf`);
  await download.saveAs(path);
  const text = pdfText(readFileSync(path));
  check(text.includes('CREDIT NOTE') && text.includes(noteNumber), 'the PDF is the credit note');
}

const scenarios = { 'admin-tenant': adminTenant, 'owner-after': ownerAfter };
check(scenario in scenarios, `unknown scenario ${scenario}`);
await runScenario(scenario, scenarios[scenario]);
