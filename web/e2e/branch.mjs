// Browser test: a desk clerk of branch A sees branch A only (driven by
// tests/web/test_console_branch.py, which makes the owner, both branches and
// the clerk through the API before this runs).
//
//   BASE_URL=… ARTEFACTS=… EMAIL=<clerk> PASSWORD=… TENANT_SLUG=… \
//   BRANCH_A=<name> BRANCH_B=<name> BRANCH_B_ID=<uuid> node e2e/branch.mjs branch
//
// Path: the clerk logs in as staff → the seat map's branch picker lists A and not B
// → students, dues and payments (and their branch filters) never name B → the seat
// map's URL for branch B shows the API's problem (detail and request id) and draws
// no seat; so does the students list filtered to B.
import { check, env, runScenario } from './harness.mjs';

const slug = process.env.TENANT_SLUG;
const nameA = process.env.BRANCH_A;
const nameB = process.env.BRANCH_B;
const idB = process.env.BRANCH_B_ID;
check(slug && nameA && nameB && idB, 'TENANT_SLUG, BRANCH_A, BRANCH_B and BRANCH_B_ID are set');

/** Branch B's name is nowhere on the page (text, or an option of an open list). */
async function noB(page, where) {
  const text = await page.locator('body').innerText();
  check(!text.includes(nameB), `${where}: branch B's name is not shown`);
}

/** Opens the branch filter labelled Library: A is offered, B is not. */
async function pickerOffersOnlyA(page, where) {
  await page.getByLabel('Library').first().click();
  await page.getByRole('option', { name: new RegExp(nameA) }).first().waitFor();
  const options = await page.getByRole('option').allInnerTexts();
  check(options.length > 0 && options.every((o) => !o.includes(nameB)), `${where}: options ${JSON.stringify(options)} hold no branch B`);
  await noB(page, where);
  await page.keyboard.press('Escape');
}

/** The page shows the API's problem (detail and request id), nothing invented. */
async function showsProblem(page, where) {
  await page.getByTestId('problem-detail').first().waitFor({ timeout: 30_000 });
  const detail = await page.getByTestId('problem-detail').first().innerText();
  const rid = await page.getByTestId('problem-request-id').first().innerText();
  check(detail.length > 0, `${where}: the problem detail is shown`);
  check(/[A-Za-z0-9-]{8,}/.test(rid), `${where}: the request id is shown: ${rid}`);
  return detail;
}

async function branch(page, run) {
  await page.goto(env.base + '/login');
  await page.getByText('Staff', { exact: true }).click();
  await page.getByLabel('Business login name').fill(slug);
  await page.getByLabel('Email').fill(env.email);
  await page.locator('input[type=password]').fill(env.password);
  await run.shot(page, 'staff-login');
  await run.axe(page, 'staff-login');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/seat-map/);

  // The seat map chooses the clerk's only branch, and its picker offers nothing else.
  await page.waitForURL(/library=/);
  await pickerOffersOnlyA(page, 'seat map');
  await run.shot(page, 'seat-map-branch-a');

  await page.getByRole('link', { name: 'Students' }).click();
  await page.waitForURL(/\/students/);
  await page.getByRole('heading', { level: 1 }).waitFor();
  await pickerOffersOnlyA(page, 'students');
  await run.shot(page, 'students');

  await page.getByRole('link', { name: 'Dues' }).click();
  await page.waitForURL(/\/dues/);
  await pickerOffersOnlyA(page, 'dues');
  await run.shot(page, 'dues');

  await page.getByRole('link', { name: 'Payments' }).click();
  await page.waitForURL(/\/payments/);
  await pickerOffersOnlyA(page, 'payments');
  await run.shot(page, 'payments');

  // Branch B's own URL: the API refuses it and the page says so, drawing no seat.
  await page.goto(`${env.base}/seat-map?library=${idB}`);
  run.results.seat_map_b = await showsProblem(page, 'seat map of branch B');
  check((await page.locator('[data-seat]').count()) === 0, 'no seat of branch B is drawn');
  await noB(page, 'seat map of branch B');
  await run.shot(page, 'seat-map-branch-b-refused');
  await run.axe(page, 'seat-map-branch-b');

  await page.goto(`${env.base}/students?library=${idB}`);
  run.results.students_b = await showsProblem(page, 'students of branch B');
  await noB(page, 'students of branch B');
  await run.shot(page, 'students-branch-b-refused');
}

await runScenario('branch', branch);
