// Browser test of the console's live pages (driven by tests/web/test_console_community.py,
// which makes the owner, a library with seats, shifts and plans, and a student with a
// booking through the API, and checks afterwards what the services recorded).
//
//   BASE_URL=… ARTEFACTS=… EMAIL=… PASSWORD=… LIBRARY_ID=… SHIFT_ID=… DATE=… \
//   OWNER_TOKEN=… STUDENT_TOKEN=… BOOKING_BODY='{…}' node e2e/community.mjs community
//
// One page, never reloaded (a marker set on `window` at the start must survive):
//   seat map: the stream is live → the test books seat A2 through the gateway (as the
//     owner, with fetch from Node, not through the page) → A2 shows held within a few
//     seconds → confirmed through the gateway → A2 shows booked; each far below the map's
//     polling interval while live (60 s), so only the stream can have moved it.
//   inbox: the student writes to the library through the gateway → the open inbox lists
//     the conversation with 1 unread → the owner opens it and replies with a PDF attached
//     (downloaded again from the page) → the student reads the reply through the API, its
//     own message read by the library, and downloads the PDF byte for byte.
//   groups: a new group (anonymous members allowed) → a post as the library → pinned →
//     an invite code shown once.
//   bell: the script says it is ready (a file `community-bell-ready` in ARTEFACTS); the test
//     then puts a notification in the owner's feed as the message service does, and the
//     bell's count goes up within seconds (its polling is 5 min while the stream is live).
// axe-core on the seat map, the inbox and the groups page. Results: community-results.json.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { check, env, runScenario } from './harness.mjs';

const { base } = env;
const library = process.env.LIBRARY_ID;
const shift = process.env.SHIFT_ID;
const date = process.env.DATE;
const ownerToken = process.env.OWNER_TOKEN;
const studentToken = process.env.STUDENT_TOKEN;
const bookingBody = process.env.BOOKING_BODY;
check(library && shift && date && ownerToken && studentToken && bookingBody, 'the scenario environment is set');
// The seat map polls every 60 s while the stream is open: a change seen well before that
// came through the stream.
const LIVE_WITHIN_MS = 8_000;

/** A call to the gateway as the test (not the page), with a bearer token. */
async function apiCall(method, path, token, body) {
  const res = await fetch(base + path, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  check(res.ok, `${method} ${path} answered ${res.status}: ${text}`);
  return text ? JSON.parse(text) : null;
}

async function seatState(page, label, state, since) {
  await page.locator(`[data-seat="${label}"][data-state="${state}"]`).waitFor({ timeout: LIVE_WITHIN_MS });
  return Date.now() - since;
}

await runScenario('community', async (page, run) => {
  await page.goto(base + '/login');
  await page.getByLabel('Email').fill(env.email);
  await page.locator('input[type=password]').fill(env.password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(/\/seat-map\?.*shift=/);
  // The map of the booking's shift and date (the session is kept across this one load).
  await page.goto(`${base}/seat-map?library=${library}&shift=${shift}&date=${date}`);
  await page.evaluate(() => {
    window.__notReloaded = true;
  });
  const notReloaded = async () => check(await page.evaluate(() => window.__notReloaded === true), 'the page was not reloaded');
  await page.locator('[data-seat="A2"][data-state="free"]').waitFor();
  await page.locator('[data-testid="live-status"][data-status="open"]').waitFor({ timeout: 15_000 });
  await run.shot(page, 'seat-map-live');
  await run.axe(page, 'seat-map');

  // (a) a booking made elsewhere moves the seat on the open map.
  let t0 = Date.now();
  const held = await apiCall('POST', '/api/v1/bookings', ownerToken, JSON.parse(bookingBody));
  const heldMs = await seatState(page, 'A2', 'held', t0);
  t0 = Date.now();
  await apiCall('POST', `/api/v1/bookings/${held.id}/confirm`, ownerToken);
  const bookedMs = await seatState(page, 'A2', 'booked', t0);
  await notReloaded();
  run.results.seat_ms = { held: heldMs, booked: bookedMs };
  console.log(`seat map: held after ${heldMs} ms, booked after ${bookedMs} ms`);
  await run.shot(page, 'seat-booked-live');

  // (b) the inbox: a student's message arrives in the open page.
  await page.getByRole('link', { name: 'Inbox' }).click();
  await page.waitForURL(/\/inbox$/);
  await page.getByTestId('empty').waitFor();
  await page.locator('[data-testid="live-status"][data-status="open"]').waitFor({ timeout: 15_000 });
  const subject = 'Wi-Fi down on the first floor';
  t0 = Date.now();
  const thread = await apiCall('POST', '/api/groups/inbox/threads', studentToken, {
    library_id: library,
    subject,
    body: 'Since this morning the Wi-Fi does not connect near seat A1.',
  });
  const row = page.locator('[data-testid="inbox-thread"][data-unread="1"]').filter({ hasText: subject });
  await row.waitFor({ timeout: LIVE_WITHIN_MS });
  run.results.inbox_ms = Date.now() - t0;
  check((await row.getByTestId('inbox-unread').innerText()).trim() === '1', 'the thread shows 1 unread');
  await run.shot(page, 'inbox-unread-live');
  await run.axe(page, 'inbox');
  await row.click();
  await page.getByTestId('inbox-conversation').getByText('does not connect near seat A1').waitFor();
  // Opening it marks it read for the library.
  await page.locator('[data-testid="inbox-thread"][data-unread="0"]').filter({ hasText: subject }).waitFor();
  const reply = 'Thank you: the router is being replaced today.';
  await page.getByLabel('Reply').fill(reply);
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  await page.getByTestId('inbox-conversation').locator('input[type=file]').setInputFiles({ name: 'router-receipt.pdf', mimeType: 'application/pdf', buffer: pdf });
  await page.getByRole('button', { name: 'Send' }).click();
  const sent = page.locator('[data-testid="inbox-message"][data-side="library"]');
  await sent.getByText(reply).waitFor();
  await sent.getByText('Not read yet').waitFor();
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    sent.getByRole('button', { name: 'Download router-receipt.pdf' }).click(),
  ]);
  check(download.suggestedFilename() === 'router-receipt.pdf', `the download's name: ${download.suggestedFilename()}`);
  await notReloaded();
  const seen = await apiCall('GET', `/api/groups/inbox/threads/${thread.id}/messages`, studentToken);
  check(seen.items.length === 2 && seen.items[1].body === reply, `the student reads the reply: ${JSON.stringify(seen.items)}`);
  check(seen.items[0].read_by_other_side === true, 'the student sees its message read by the library');
  const [file] = seen.items[1].attachments;
  check(file && file.file_name === 'router-receipt.pdf' && file.content_type === 'application/pdf', `the reply's attachment: ${JSON.stringify(file)}`);
  const got = await fetch(base + file.download_path, { headers: { authorization: `Bearer ${studentToken}` } });
  check(got.ok && Buffer.from(await got.arrayBuffer()).equals(pdf), `the student downloads the PDF as sent (${got.status})`);
  run.results.thread_id = thread.id;
  await run.shot(page, 'inbox-replied');

  // (c) groups: create, post as the library, pin, invite.
  await page.getByRole('link', { name: 'Groups' }).click();
  await page.waitForURL(/\/groups$/);
  await page.getByTestId('empty').waitFor();
  await page.getByRole('button', { name: 'New group' }).click();
  await page.getByRole('textbox', { name: /^Name/ }).fill('UPSC Prelims 2027');
  await page.getByLabel('Description').fill('Doubts, notes and test series for the morning batch.');
  await page.getByLabel(/Members may join anonymously/).check();
  await page.getByRole('button', { name: 'Create the group' }).click();
  await page.getByTestId('group-view').getByRole('heading', { name: 'UPSC Prelims 2027' }).waitFor();
  await page.getByTestId('group-view').getByText('Anonymous members allowed').waitFor();
  await page.getByTestId('group-view').locator('[data-testid="live-status"][data-status="open"]').waitFor({ timeout: 15_000 });
  const notice = 'Mock test on Sunday at 9:00 in the hall.';
  await page.getByLabel('Post as the library').fill(notice);
  await page.getByRole('button', { name: 'Post', exact: true }).click();
  const post = page.getByTestId('group-post').filter({ hasText: notice });
  await post.waitFor();
  check((await post.innerText()).includes('Library owner'), 'the post is signed by the library');
  await post.getByRole('button', { name: 'Pin', exact: true }).click();
  await page.locator('[data-testid="group-post"][data-pinned="yes"]').filter({ hasText: notice }).getByText('Pinned').waitFor();
  await page.getByRole('button', { name: 'Make an invite code' }).click();
  const token = await page.getByTestId('invite-token').inputValue();
  check(/^[A-Za-z0-9_-]{32,64}$/.test(token), `an invite code is shown: ${token}`);
  await notReloaded();
  await run.shot(page, 'group-pinned');
  await run.axe(page, 'groups');

  // (d) the bell hears the owner's new notification on the stream's user topic.
  const bell = page.getByTestId('bell');
  const before = Number(await bell.getAttribute('data-unread'));
  writeFileSync(join(env.out, 'community-bell-ready'), String(before));
  t0 = Date.now();
  await page.locator(`[data-testid="bell"][data-unread="${before + 1}"]`).waitFor({ timeout: 20_000 });
  run.results.bell_ms = Date.now() - t0;
  await notReloaded();
  await run.shot(page, 'bell-live');
});
