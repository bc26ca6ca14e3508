// Browser test of the desk's admission form (driven by tests/web/test_console_admission.py,
// which makes the owner and a library with seats, a morning shift and a plan first).
//
//   BASE_URL=… ARTEFACTS=… EMAIL=… PASSWORD=… PHONE=… GUARDIAN_PHONE=… MINOR_DOB=… node e2e/admission.mjs admission
//
// A new mobile → name and a date of birth under 18 → the guardian's fields appear and
// admitting waits for them (a wrong guardian mobile is named) → guardian filled, WhatsApp
// and SMS reminders ticked, e-mail not → admitted → the student's page shows the guardian's
// consent as the message service asked it (to the guardian's e-mail, no answer yet); the
// test then reads what the API kept.
import { logIn } from './desk.mjs';
import { check, env, runScenario } from './harness.mjs';

async function admission(page, run) {
  await logIn(page);
  await page.goto(env.base + '/desk');
  await page.getByLabel('Find by mobile number').fill(process.env.PHONE);
  await page.getByLabel('Student name').fill('Aarav Mehta');
  const admit = page.getByRole('button', { name: 'Admit student' });
  check(!(await page.getByTestId('desk-guardian').isVisible()), 'no guardian asked of an adult or before a birth date');
  await page.getByLabel('Date of birth').fill(process.env.MINOR_DOB);
  await page.getByTestId('desk-guardian').waitFor();
  check(await admit.isDisabled(), 'a minor is not admitted without a guardian');
  await page.getByLabel("Guardian's name").fill('Sunita Mehta');
  await page.getByLabel("Guardian's mobile").fill('12345');
  await page.getByText('A 10-digit Indian mobile number starting with 6-9').first().waitFor();
  check(await admit.isDisabled(), 'nor with a guardian mobile that is not one');
  await page.getByLabel("Guardian's mobile").fill(process.env.GUARDIAN_PHONE);
  await page.getByLabel("Guardian's e-mail").fill('sunita.mehta@example.in');
  await page.getByRole('checkbox', { name: 'WhatsApp' }).check();
  await page.getByRole('checkbox', { name: 'SMS' }).check();
  check(!(await page.getByRole('checkbox', { name: 'E-mail' }).isChecked()), 'e-mail reminders not ticked');
  await run.shot(page, 'form-filled');
  await run.axe(page, 'desk-admission');
  check(await admit.isEnabled(), 'the filled form admits');
  await admit.click();
  await page.getByTestId('desk-student').getByText('Aarav Mehta').waitFor();
  await run.shot(page, 'admitted');

  await page.goto(env.base + '/students?q=' + process.env.PHONE);
  await page.getByRole('link', { name: 'Aarav Mehta' }).click();
  const request = page.getByTestId('guardian-request');
  await request.waitFor();
  // The worker asks the guardian shortly after the admission: reload until it shows.
  for (let i = 0; i < 20 && !(await request.textContent()).includes('sunita.mehta@example.in'); i++) {
    await page.waitForTimeout(500);
    await page.reload();
    await request.waitFor();
  }
  const said = await request.textContent();
  check(said.includes('by E-mail to sunita.mehta@example.in'), `the guardian asked by e-mail: ${said}`);
  check(said.includes('No answer yet'), 'no answer from the guardian yet');
  check(
    (await page.getByTestId('guardian-answers').textContent()).includes('—'),
    'no channel allowed before the guardian answers',
  );
  await run.shot(page, 'guardian-consent');
}

await runScenario(process.argv[2] ?? 'admission', admission);
