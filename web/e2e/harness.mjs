// What every browser scenario of the console shares: Debian's Chromium through
// playwright-core, numbered screenshots and a results file in $ARTEFACTS,
// axe-core checks, and one exit code for pytest to read.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { inflateSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const require = createRequire(import.meta.url);
const AXE = readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');

export const env = {
  base: process.env.BASE_URL,
  out: process.env.ARTEFACTS ?? 'e2e-artefacts',
  email: process.env.EMAIL,
  password: process.env.PASSWORD,
};

export function check(cond, message) {
  if (!cond) throw new Error(`check failed: ${message}`);
}

/** Runs `body(page, run)` in a fresh browser; writes `<scenario>-results.json`; exits 0 or 1. */
export async function runScenario(scenario, body) {
  mkdirSync(env.out, { recursive: true });
  const run = {
    scenario,
    step: 0,
    results: { scenario, steps: [], axe: {} },
    async shot(page, name) {
      run.step += 1;
      await page.screenshot({ path: join(env.out, `${scenario}-${String(run.step).padStart(2, '0')}-${name}.png`), fullPage: true });
      run.results.steps.push(name);
      console.log(`step ${run.step}: ${name}`);
    },
    /** axe-core on the current page: no serious or critical violation. */
    async axe(page, name) {
      await settled(page);
      // evaluate, not a script tag: the console's CSP (script-src 'self') stays in force.
      await page.evaluate(AXE);
      const found = await page.evaluate(async () => {
        const r = await window.axe.run(document, { resultTypes: ['violations'] });
        return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
      });
      run.results.axe[name] = found;
      const bad = found.filter((v) => v.impact === 'serious' || v.impact === 'critical');
      check(bad.length === 0, `axe on ${name}: ${JSON.stringify(bad, null, 1)}`);
    },
  };
  const browser = await chromium.launch({
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads: true });
  const page = await context.newPage();
  page.setDefaultTimeout(45_000);
  page.on('pageerror', (e) => console.error(`page error: ${e.stack ?? e}`));
  // What the API refused or failed to answer, printed if the scenario fails: a page that
  // waited in vain usually shows a problem the test run should name.
  const refused = [];
  page.on('response', (r) => {
    if (r.status() >= 400 && new URL(r.url()).pathname.startsWith('/api/')) refused.push(`${r.status()} ${r.request().method()} ${r.url()}`);
  });
  page.on('requestfailed', (r) => refused.push(`failed (${r.failure()?.errorText}) ${r.method()} ${r.url()}`));
  let code = 0;
  try {
    await body(page, run);
    console.log(`${scenario}: passed`);
  } catch (e) {
    code = 1;
    console.error(`${scenario}: FAILED at step ${run.step + 1}: ${e.stack ?? e}`);
    if (refused.length) console.error(`API answers that were not 2xx/3xx (last 20):\n  ${refused.slice(-20).join('\n  ')}`);
    console.error(`on page ${page.url()}`);
    await page.screenshot({ path: join(env.out, `${scenario}-failure.png`), fullPage: true }).catch(() => {});
  } finally {
    writeFileSync(join(env.out, `${scenario}-results.json`), JSON.stringify(run.results, null, 1));
    await browser.close();
  }
  process.exit(code);
}

/** Until the page's finite CSS transitions and animations have ended (3 s at most): axe
 * measures colours as drawn, and a dialog fading out is drawn at part of its opacity. */
export async function settled(page) {
  await page
    .waitForFunction(
      () => document.getAnimations().every((a) => a.playState !== 'running' || a.effect?.getTiming().iterations === Infinity),
      undefined,
      { timeout: 3_000 },
    )
    .catch(() => {});
}

/** Chooses `text` in the Mantine Select labelled `label`. */
/** Choose `text` in the select labelled `label`. A select whose page is still settling
 * (its options arriving, a default being chosen) can close the list it just opened, so
 * open it again until the option can be clicked or `timeout` has passed. */
export async function pickOption(page, label, text, timeout = 45_000) {
  const deadline = Date.now() + timeout;
  const option = page.getByRole('option', { name: text }).first();
  for (;;) {
    await page.getByLabel(label).first().click();
    try {
      await option.click({ timeout: 5_000 });
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await page.keyboard.press('Escape').catch(() => {});
    }
  }
}

/** Text of every PDF content stream, inflated where compressed. */
export function pdfText(bytes) {
  const raw = bytes.toString('latin1');
  let text = raw;
  const re = /stream\r?\n/g;
  let m;
  while ((m = re.exec(raw))) {
    const start = m.index + m[0].length;
    const end = raw.indexOf('endstream', start);
    if (end < 0) break;
    const chunk = bytes.subarray(start, end);
    try {
      text += inflateSync(chunk).toString('latin1');
    } catch {
      /* not compressed */
    }
  }
  return text;
}
