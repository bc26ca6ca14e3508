// Browser test of the students, staff and settings pages against a running
// system (driven by tests/web/test_console_people.py), in the style of
// console.mjs: Debian's Chromium through playwright-core, a screenshot of
// every step in $ARTEFACTS, axe-core on each page, exit non-zero on the first
// failure.
//
//   BASE_URL=http://127.0.0.1:3000 ARTEFACTS=/tmp/a EMAIL=… PASSWORD=… node e2e/people.mjs
//
// Path: sign up → first library → import a CSV (the dry run lists the exact bad
// lines the API names, then the good rows are imported) → search finds one →
// open the profile → export CSV → erase a student with the typed name → add a
// staff member, who appears in the list → deactivate them → a mistyped GSTIN is
// refused by its checksum, the right one saved.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { settled } from './harness.mjs';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const base = process.env.BASE_URL;
const out = process.env.ARTEFACTS ?? 'e2e-artefacts';
const email = process.env.EMAIL;
const password = process.env.PASSWORD;
const scenario = 'people';
mkdirSync(out, { recursive: true });

let step = 0;
const results = { scenario, steps: [], axe: {} };

function check(cond, message) {
  if (!cond) throw new Error(`check failed: ${message}`);
}

async function shot(page, name) {
  step += 1;
  const file = join(out, `${scenario}-${String(step).padStart(2, '0')}-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  results.steps.push(name);
  console.log(`step ${step}: ${name}`);
}

async function axe(page, name) {
  await settled(page);
  await page.evaluate(AXE);
  const found = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  results.axe[name] = found;
  const bad = found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  check(bad.length === 0, `axe on ${name}: ${JSON.stringify(bad, null, 1)}`);
}

async function pickOption(page, label, text) {
  await page.getByLabel(label).first().click();
  await page.getByRole('option', { name: text }).first().click();
}

const LIBRARY = 'Gyan Study Point, Kothrud';
// Line 1 is the header. Line 5: not a mobile number. Line 6: the phone of line 2.
const CSV = [
  'name,phone,email,date_of_birth',
  'Kavya Nair,9812345670,kavya@example.in,2000-05-14',
  'Rohan Das,98123 45671,,2001-01-02',
  'Imran Sheikh,+91 98123 45672,,',
  'Bad Phone,12345,,',
  'Same Phone,9812345670,,',
].join('\n');

async function people(page) {
  // Sign up and create the first library (step 1 of onboarding saves it).
  await page.goto(base + '/signup');
  await page.getByLabel('Your name').fill('Meera Iyer');
  await page.getByLabel('Business name').fill('Gyan Study Point');
  await page.getByLabel('Email').fill(email);
  await page.locator('input[type=password]').fill(password);
  await page.getByRole('button', { name: 'Sign up' }).click();
  await page.waitForURL(/\/setup$/);
  await page.getByLabel('Library name').fill(LIBRARY);
  await page.getByLabel('Address').fill('12 Karve Road, Kothrud');
  await page.getByLabel('City').fill('Pune');
  await pickOption(page, 'State', 'Maharashtra');
  await page.getByLabel('PIN code').fill('411038');
  await page.getByRole('button', { name: 'Next' }).click();
  await page.getByLabel('Rows').waitFor();

  // An empty register says so.
  await page.getByRole('link', { name: 'Students' }).click();
  await page.getByText('No students yet.').waitFor();
  await shot(page, 'students-empty');
  await axe(page, 'students-empty');

  // Import: the dry run names lines 5 and 6 with the API's messages.
  await page.getByRole('link', { name: 'Import' }).click();
  await page.waitForURL(/\/students\/import$/);
  await pickOption(page, 'Branch the students join', LIBRARY);
  await page.locator('input[type="file"]').setInputFiles({ name: 'students.csv', mimeType: 'text/csv', buffer: Buffer.from(CSV) });
  await axe(page, 'import-file');
  await page.getByRole('button', { name: 'Check the file (dry run)' }).click();
  await page.getByTestId('import-summary').waitFor();
  const summary = await page.getByTestId('import-summary').innerText();
  check(summary.includes('5 rows') && summary.includes('3 good') && summary.includes('2 with problems'), `dry-run summary: ${summary}`);
  const lines = await page.getByTestId('import-bad-rows').locator('tbody tr[data-line]').evaluateAll((rows) => [...new Set(rows.map((r) => r.getAttribute('data-line')))]);
  check(JSON.stringify(lines) === '["5","6"]', `bad lines are 5 and 6: ${JSON.stringify(lines)}`);
  await page.getByTestId('import-bad-rows').getByText('Same phone as line 2').waitFor();
  check(await page.getByTestId('import-commit').isDisabled(), 'nothing is imported before bad rows are knowingly skipped');
  await shot(page, 'import-dry-run-report');
  await axe(page, 'import-report');
  await page.getByLabel(/Skip the 2 rows with problems/).check();
  await page.getByTestId('import-commit').click();
  await page.getByTestId('import-done').getByText('3 students imported').waitFor();
  await shot(page, 'import-done');

  // Search (debounced, on the server) finds one; by name, then by the last digits of a phone.
  await page.getByRole('link', { name: 'Open the student list' }).click();
  await page.waitForURL(/\/students$/);
  const rows = page.getByTestId('student-row');
  await rows.nth(2).waitFor();
  check((await rows.count()) === 3, 'three students listed');
  await page.getByTestId('student-search').fill('kav');
  await page.waitForURL(/q=kav/);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="student-row"]').length === 1);
  check((await rows.first().innerText()).includes('Kavya Nair'), 'the search finds Kavya Nair');
  await shot(page, 'search-by-name');
  await page.getByTestId('student-search').fill('5671');
  await page.waitForURL(/q=5671/);
  await page.waitForFunction(() => {
    const r = document.querySelectorAll('[data-testid="student-row"]');
    return r.length === 1 && r[0].textContent.includes('Rohan Das');
  });
  await page.getByTestId('student-search').fill('kavya');
  await page.waitForURL(/q=kavya/);
  await page.waitForFunction(() => document.querySelector('[data-testid="student-row"]')?.textContent.includes('Kavya Nair'));
  await axe(page, 'students');

  // The profile.
  await page.getByRole('link', { name: 'Kavya Nair' }).click();
  await page.getByTestId('student-name').getByText('Kavya Nair').waitFor();
  const enrollment = await page.getByTestId('student-enrollment').innerText();
  check(/^STU-\d+$/.test(enrollment), `an enrollment number: ${enrollment}`);
  await page.getByText('No bookings yet.').waitFor();
  await page.getByText('No payments yet.').waitFor();
  await shot(page, 'student-profile');
  await axe(page, 'student-profile');
  results.enrollment = enrollment;

  // Export: the streamed CSV holds the imported students.
  await page.goto(base + '/students');
  await rows.nth(2).waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('export-csv').click()]);
  const csvPath = join(out, 'people-export.csv');
  await download.saveAs(csvPath);
  const exported = readFileSync(csvPath, 'utf8');
  check(exported.includes('Kavya Nair') && exported.includes('Imran Sheikh') && exported.includes(enrollment), 'the export lists the imported students');
  check(!exported.includes('Bad Phone'), 'the skipped rows were not imported');
  await page.getByText(/Export saved/).waitFor();
  await shot(page, 'exported');

  // Erasure arms only with the name typed out; the erased student leaves the list.
  await page.getByRole('link', { name: 'Rohan Das' }).click();
  await page.getByTestId('student-name').getByText('Rohan Das').waitFor();
  await page.getByRole('button', { name: 'Erase personal data' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByTestId('erase-confirm-input').fill('Rohan');
  check(await dialog.getByRole('button', { name: 'Erase for good' }).isDisabled(), 'erasure stays disarmed on a partial name');
  await dialog.getByTestId('erase-confirm-input').fill('Rohan Das');
  await shot(page, 'erase-confirm');
  await dialog.getByRole('button', { name: 'Erase for good' }).click();
  await page.waitForURL(/\/students$/);
  await page.getByTestId('student-search').fill('rohan');
  await page.getByText('No student matches these filters.').waitFor();
  await shot(page, 'erased-not-found');

  // Staff: the invite appears in the list with its role and branch.
  await page.getByRole('link', { name: 'Staff' }).click();
  await page.getByText('No staff yet.').waitFor();
  await page.getByTestId('add-staff').click();
  const add = page.getByRole('dialog');
  await add.getByRole('button', { name: 'Send invite' }).click();
  await add.getByText('Choose at least one branch').waitFor();
  await add.getByLabel('Name').fill('Ravi Kumar');
  await add.getByLabel('Email').fill('ravi@gyan.example.in');
  await add.getByTestId('staff-branches').click({ force: true });
  await page.getByRole('option', { name: LIBRARY }).click();
  await page.keyboard.press('Escape');
  await shot(page, 'staff-invite');
  await axe(page, 'staff-invite');
  await add.getByRole('button', { name: 'Send invite' }).click();
  const ravi = page.locator('[data-testid="staff-row"][data-staff="ravi@gyan.example.in"]');
  await ravi.waitFor();
  const row = await ravi.innerText();
  check(row.includes('Ravi Kumar') && row.toLowerCase().includes('desk staff') && row.includes(LIBRARY), `the staff row: ${row}`);
  check(/Invited on \d{4}-\d{2}-\d{2}/.test(row), `the invite was sent: ${row}`);
  await shot(page, 'staff-listed');
  await axe(page, 'staff');
  await ravi.getByRole('button', { name: 'Deactivate' }).click();
  await page.getByRole('dialog').getByRole('button', { name: 'Deactivate' }).click();
  await ravi.getByText('Deactivated').waitFor();
  await ravi.getByRole('button', { name: 'Reactivate' }).waitFor();
  await shot(page, 'staff-deactivated');

  // Settings: the GSTIN checksum, then a saved change.
  await page.getByRole('link', { name: 'Settings' }).click();
  await page.getByTestId('tenant-gstin').fill('27AAPFU0939F1ZX');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('The check character does not match').waitFor();
  await shot(page, 'settings-gstin-refused');
  await page.getByTestId('tenant-gstin').fill('27AAPFU0939F1ZV');
  await page.getByRole('button', { name: 'Save', exact: true }).click();
  await page.getByText('Saved').waitFor();
  await page.reload();
  check((await page.getByTestId('tenant-gstin').inputValue()) === '27AAPFU0939F1ZV', 'the GSTIN was saved');
  // The plan and its limits come from the subscription service: the trial's numbers.
  await page.getByTestId('account-row').filter({ hasText: 'Subscription status' }).waitFor();
  const account = (await page.getByTestId('account-row').allInnerTexts()).map((r) => r.replace(/\s+/g, ' '));
  for (const want of ['Plan trial', 'Subscription status trial', 'Branches allowed 1', 'Seats allowed 100', 'Students allowed 200']) {
    check(account.includes(want), `account shows "${want}": ${account.join(' | ')}`);
  }
  await shot(page, 'settings-saved');

  // Payment providers: secrets are write-only. After saving, the page says a secret is
  // stored, shows the public key id, and holds the secret nowhere (text or input).
  const providers = page.getByTestId('payment-accounts');
  await providers.getByText('No payment provider is set up').waitFor();
  await providers.getByLabel('UPI id (VPA)').fill('gyanstudy@okaxis');
  await providers.getByLabel('Payee name').fill('Gyan Study Point');
  await providers.getByRole('button', { name: 'Save provider' }).click();
  await providers.locator('[data-provider="upi"]').getByText('gyanstudy@okaxis').waitFor();
  await pickOption(page, 'Provider', 'Razorpay');
  const SECRET = 'Zx9SecretNeverShown42';
  const HOOK = 'whsec-never-shown-77';
  await providers.getByLabel('Key id').fill('rzp_test_1DP5mmOlF5G5ag');
  await providers.getByLabel('Key secret').fill(SECRET);
  await providers.getByLabel(/^Webhook secret/).fill(HOOK);
  await providers.getByRole('button', { name: 'Save provider' }).click();
  const rzp = providers.locator('[data-provider="razorpay"]');
  await rzp.getByText('rzp_test_1DP5mmOlF5G5ag').waitFor();
  check((await rzp.getByText('Stored').count()) === 2, 'the key secret and the webhook secret show as stored');
  await page.reload();
  await rzp.waitFor();
  await pickOption(page, 'Provider', 'Razorpay');
  const html = await page.content();
  check(!html.includes(SECRET) && !html.includes(HOOK), 'no stored secret is anywhere in the page');
  check((await providers.getByLabel('Key secret').inputValue()) === '', 'the secret field starts empty');
  await shot(page, 'settings-providers');
  await axe(page, 'settings');
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
const page = await context.newPage();
page.setDefaultTimeout(20_000);
let code = 0;
try {
  await people(page);
  console.log(`${scenario}: passed`);
} catch (e) {
  code = 1;
  console.error(`${scenario}: FAILED at step ${step + 1}: ${e.stack ?? e}`);
  await page.screenshot({ path: join(out, `${scenario}-failure.png`), fullPage: true }).catch(() => {});
} finally {
  writeFileSync(join(out, `${scenario}-results.json`), JSON.stringify(results, null, 1));
  await browser.close();
}
process.exit(code);
