// Browser test of the analytics dashboard (driven by tests/web/test_console_analytics.py,
// which makes the owner, a library and a paid booking through the API and waits until the
// worker has projected its events).
//
//   BASE_URL=… ARTEFACTS=… EMAIL=… PASSWORD=… LIBRARY_ID=… MONTH=YYYY-MM BILLED=₹… \
//   node e2e/analytics.mjs analytics
//
// The owner opens Analytics from the navigation → the month's row shows the booking's
// charge as billed and the answer's freshness → the trend charts draw the API's numbers
// (the month's billed and collected bars, booked occupancy) → the ageing table, the open
// dues page (the unpaid booking, the total) and the 7 × 24 heatmap are drawn → the KPI
// table downloads as CSV with its header row → in Hindi the page's title and headings
// change → axe finds no serious violation.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, env, runScenario } from './harness.mjs';

const { base, email, password } = env;
const month = process.env.MONTH;
const billed = process.env.BILLED;
const api = JSON.parse(process.env.API_NUMBERS ?? '{}');
check(process.env.LIBRARY_ID && month && billed && api.billed_paise, 'the scenario environment is set');

await runScenario('analytics', async (page, run) => {
  await page.goto(base + '/login');
  await page.getByLabel('Email').fill(email);
  await page.locator('input[type=password]').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  // The seat map settles on the library and shift first (it rewrites its URL).
  await page.waitForURL(/\/seat-map\?.*shift=/);

  await page.getByRole('link', { name: 'Analytics' }).click();
  await page.waitForURL(/\/analytics/);
  const row = page.getByTestId(`kpi-${month}`);
  await row.waitFor();
  const text = await row.innerText();
  check(text.includes(billed), `the month's row shows ${billed} billed: ${text}`);
  const fresh = await page.getByTestId('as-of').first().innerText();
  check(fresh.startsWith('Up to the last event'), `freshness is stated: ${fresh}`);
  // The charts: one bar per series and month, each naming the API's value.
  const bar = async (id) => {
    const rect = page.getByTestId(id);
    await rect.waitFor({ state: 'attached' });
    return { value: await rect.getAttribute('data-value'), title: await rect.locator('title').textContent(), height: Number(await rect.getAttribute('height')) };
  };
  const billedBar = await bar(`chart-money-billed-${month}`);
  check(billedBar.value === String(api.billed_paise), `billed bar: ${billedBar.value} = ${api.billed_paise}`);
  check(billedBar.title.includes(billed) && billedBar.height > 0, `billed bar's title: ${billedBar.title}`);
  const collectedBar = await bar(`chart-money-collected-${month}`);
  check(collectedBar.value === String(api.collected_paise), `collected bar: ${collectedBar.value} = ${api.collected_paise}`);
  const booked = await bar(`chart-occupancy-booked-${month}`);
  check(Number(booked.value) === api.booked_occupancy, `booked occupancy bar: ${booked.value} = ${api.booked_occupancy}`);
  const label = await page.getByTestId('chart-money').locator('svg[role=img]').first().getAttribute('aria-label');
  check(label.startsWith('Billed and collected by month'), `the chart is labelled: ${label}`);
  run.results.chart = { billed: billedBar, collected: collectedBar, booked };

  await page.getByTestId('ageing-table').waitFor();
  await page.getByTestId(`due-${api.due_booking_id}`).waitFor();
  const pager = await page.getByTestId('dues-pager').innerText();
  check(pager.includes(`${api.dues_total} in all`), `the dues pager states the total: ${pager}`);
  const cells = await page.getByTestId('heatmap').locator('tbody td').count();
  check(cells === 7 * 24, `heatmap cells: ${cells}`);
  await run.shot(page, 'dashboard');
  await run.axe(page, 'analytics');

  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId(/^csv-kpis-/).click(),
  ]);
  const csvPath = join(env.out, 'analytics-kpis.csv');
  await download.saveAs(csvPath);
  const header = readFileSync(csvPath, 'utf8').split('\n')[0];
  check(header.startsWith('month,shift_id,shift_name,available_seat_shifts'), `CSV header: ${header}`);
  run.results.csv_header = header;

  await page.getByText('हिन्दी').click();
  await page.getByRole('heading', { name: 'विश्लेषण' }).waitFor();
  await page.getByRole('heading', { name: 'उम्र के अनुसार बकाया' }).waitFor();
  await run.shot(page, 'dashboard-hindi');
  await page.getByText('English').click();
});
