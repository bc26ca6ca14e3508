// Browser test of attendance (driven by tests/web/test_console_attendance.py, which makes
// the owner, the library and a student with a full-day booking from today through the API).
//
//   BASE_URL=… ARTEFACTS=… EMAIL=… PASSWORD=… LIBRARY_ID=… STUDENT_ID=… STUDENT_NAME=… \
//   STUDENT_EMAIL=… STUDENT_PASSWORD=… TENANT_SLUG=… node e2e/attendance.mjs attendance
//
// The owner creates a door display on the register page and the tablet opens its link (the
// key in the fragment) → the QR is drawn and its URL read from the page → a phone-sized
// browser opens that URL, logs the student in on the check-in page and sees the check-in
// confirmed → the register shows the student present → a manual check-out with a reason
// → the student shows its own code and the desk scans it (checked in again) → a scan made
// offline waits on the device and, uploaded once back online, is reported as a duplicate
// → the owner revokes the display and the tablet shows the refusal instead of a code.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, env, runScenario } from './harness.mjs';

const { base, email, password } = env;
const library = process.env.LIBRARY_ID;
const studentId = process.env.STUDENT_ID;
const studentName = process.env.STUDENT_NAME;
const studentEmail = process.env.STUDENT_EMAIL;
const studentPassword = process.env.STUDENT_PASSWORD;
const slug = process.env.TENANT_SLUG;
check(library && studentId && studentName && studentEmail && studentPassword && slug, 'the scenario environment is set');

const registerUrl = `${base}/attendance?library=${library}`;

async function logIn(page) {
  await page.goto(base + '/login');
  await page.getByLabel('Email').fill(email);
  await page.locator('input[type=password]').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/seat-map/);
}

async function rowStatus(page, status) {
  await page.locator(`tr[data-student="${studentId}"][data-status="${status}"]`).waitFor();
}

await runScenario('attendance', async (owner, run) => {
  const browser = owner.context().browser();
  await logIn(owner);

  // The owner makes a display key for the door tablet; the link carries it once.
  await owner.goto(registerUrl);
  await owner.getByTestId('display-devices').waitFor();
  await owner.getByLabel('Display name').fill('Front door');
  await owner.getByRole('button', { name: 'Create display key' }).click();
  const link = (await owner.getByTestId('device-link').locator('pre, code').first().innerText()).trim();
  check(link.startsWith(`${base}/attendance/display/${library}#key=sdk1.`), `display link: ${link}`);
  await owner.locator('tr[data-device="Front door"]').waitFor();
  await run.shot(owner, 'display-key-created');

  // The tablet: a fresh browser with no login, only the key.
  const tabletContext = await browser.newContext({ viewport: { width: 1024, height: 768 } });
  const tablet = await tabletContext.newPage();
  await tablet.goto(link);
  const qr = tablet.getByTestId('door-qr');
  await qr.waitFor();
  const qrUrl = await qr.getAttribute('data-qr-text');
  check(qrUrl && qrUrl.startsWith(`${base}/attendance/check-in#code=d.`), `QR URL: ${qrUrl}`);
  check((await tablet.getByTestId('door-qr-url').innerText()).trim() === qrUrl, 'the QR URL is written beside the QR');
  check(!tablet.url().includes('key='), `the key left the address bar: ${tablet.url()}`);
  await run.axe(tablet, 'door-display');
  await run.shot(tablet, 'door-display');

  // The student's phone: opens the QR's URL, logs in, the code (fragment) is kept and sent.
  const phoneContext = await browser.newContext({ viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 });
  const phone = await phoneContext.newPage();
  await phone.goto(qrUrl);
  await phone.getByLabel('Business login name').fill(slug);
  await phone.getByLabel('Email').fill(studentEmail);
  await phone.locator('input[type=password]').fill(studentPassword);
  await run.axe(phone, 'check-in-login');
  await phone.getByRole('button', { name: 'Log in' }).click();
  const result = phone.getByTestId('checkin-result');
  await result.waitFor();
  check((await result.getAttribute('data-kind')) === 'in', 'check-in, not check-out');
  check((await result.innerText()).includes('Check-in confirmed'), `confirmed: ${await result.innerText()}`);
  check(phone.url() === qrUrl, `the check-in page kept its URL: ${phone.url()}`);
  const wide = await phone.evaluate(() => document.documentElement.scrollWidth > window.innerWidth);
  check(!wide, 'the check-in page does not scroll sideways on a phone');
  await phone.getByTestId('check-out').waitFor();
  await run.axe(phone, 'check-in-confirmed');
  await run.shot(phone, 'check-in-confirmed');

  // The same code again (a reload) is refused in words: code_replayed.
  await phone.reload();
  const problem = phone.getByTestId('checkin-problem');
  await problem.waitFor();
  check((await problem.getAttribute('data-code')) === 'code_replayed', `replayed: ${await problem.getAttribute('data-code')}`);
  await run.shot(phone, 'code-replayed');

  // The desk's register: present (or late), then checked out by hand with a reason.
  await owner.goto(registerUrl);
  const present = owner.locator(`tr[data-student="${studentId}"]`);
  await present.waitFor();
  const status = await present.getAttribute('data-status');
  check(status === 'present' || status === 'late', `register status: ${status}`);
  check((await present.innerText()).includes(studentName), 'the register names the student');
  await run.axe(owner, 'register');
  await run.shot(owner, 'register-present');
  await present.getByRole('button', { name: 'Check out' }).click();
  await owner.getByLabel('Reason').fill('Left early, told the desk');
  await owner.getByTestId('att-action-save').click();
  await rowStatus(owner, 'checked_out');
  await run.shot(owner, 'register-checked-out');

  // The reverse mode: the student shows its own code, the desk scans it (checked in again).
  await phone.getByRole('button', { name: /Show my code to the desk/ }).click();
  const mine = phone.getByTestId('my-code-qr');
  await mine.waitFor();
  const studentCode = await mine.getAttribute('data-qr-text');
  check(studentCode && studentCode.startsWith('s.'), `the student's own code: ${studentCode}`);
  await run.shot(phone, 'my-code');
  const desk = owner.getByTestId('scan-desk');
  await desk.getByLabel('Scanned code').fill(studentCode);
  await desk.getByRole('button', { name: 'Check in' }).click();
  await desk.locator('[data-testid="scan-outcomes"] li[data-status="checked_in"]').waitFor();
  const again = owner.locator(`tr[data-student="${studentId}"]`);
  await owner.waitForFunction((id) => ['present', 'late'].includes(document.querySelector(`tr[data-student="${id}"]`)?.getAttribute('data-status') ?? ''), studentId);
  check((await again.getAttribute('data-status')) !== 'checked_out', 'the scan checked the student in again');

  // Offline: the scan waits on the device; back online it is uploaded, and the API's
  // de-duplication by (student, step) reports it as already uploaded.
  await owner.context().setOffline(true);
  await desk.getByLabel('Scanned code').fill(studentCode);
  await desk.getByRole('button', { name: 'Check in' }).click();
  const waiting = owner.getByTestId('scan-queue');
  await waiting.waitFor();
  check((await waiting.getAttribute('data-waiting')) === '1', 'one scan waits on the device');
  await run.axe(owner, 'register-scan-offline');
  await run.shot(owner, 'scan-offline');
  await owner.context().setOffline(false);
  const duplicate = desk.locator('[data-testid="scan-outcomes"] li[data-status="duplicate"]');
  try {
    await duplicate.waitFor({ timeout: 5_000 });
  } catch {
    await owner.getByRole('button', { name: 'Upload now' }).click();
    await duplicate.waitFor();
  }
  check((await owner.getByTestId('scan-queue').count()) === 0, 'the queue is empty once uploaded');
  await run.shot(owner, 'scan-uploaded');

  // Revoked: the tablet's next fetch is refused and no code is drawn.
  await owner.locator('tr[data-device="Front door"]').getByRole('button', { name: 'Revoke' }).click();
  await owner.locator('tr[data-device="Front door"]').getByText('Revoked').waitFor();
  await tablet.reload();
  await tablet.getByTestId('problem').waitFor();
  check((await tablet.getByTestId('door-qr').count()) === 0, 'a revoked display shows no code');
  await run.shot(tablet, 'display-revoked');

  run.results.qr_url = qrUrl;
  writeFileSync(join(env.out, 'attendance-qr-url.txt'), qrUrl);
  await tabletContext.close();
  await phoneContext.close();
});
