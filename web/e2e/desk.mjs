// Steps of the desk that several browser scenarios share (bookings.mjs, paylinks.mjs).
import { check, env } from './harness.mjs';

/** Logs in as the owner; the seat map settles on the library and shift first (it rewrites its URL). */
export async function logIn(page) {
  await page.goto(env.base + '/login');
  await page.getByLabel('Email').fill(env.email);
  await page.locator('input[type=password]').fill(env.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/seat-map\?.*shift=/);
}

/** A fresh desk: admit a new student by phone and name, pick `seat`, hold it (₹500.00). */
export async function admitAndHold(page, phone, name, seat) {
  await page.goto(env.base + '/desk');
  await page.getByLabel('Find by mobile number').fill(phone);
  await page.getByLabel('Student name').fill(name);
  await page.getByRole('button', { name: 'Admit student' }).click();
  await page.getByTestId('desk-student').getByText(name).waitFor();
  await page.locator('[data-seat="A1"]').waitFor();
  if (seat === null) return;
  await page.locator(`[data-seat="${seat}"]`).click();
  await page.getByText(`Seat ${seat}`).first().waitFor();
  await page.getByTestId('hold-seat').click();
  await page.getByTestId('booking-total').waitFor();
  const total = await page.getByTestId('booking-total').innerText();
  check(total.includes(`Seat ${seat}`) && total.includes('₹500.00'), `${name} holds ${seat} for ₹500.00: ${total}`);
}

/** Clicks the segment labelled `text` within `scope` (the page, or one control), as a person does
 * (its radio input is visually hidden). */
export async function chooseSegment(scope, text) {
  await scope.locator('label').filter({ hasText: new RegExp(`^${text.replace(/[()]/g, '\\$&')}$`) }).first().click();
}
