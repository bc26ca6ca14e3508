// Measures what the dashboard loads first: index.html's entry script and CSS
// plus their static imports (not the lazily loaded pages), gzipped. Fails the
// build above the budget of docs/performance.md.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

const BUDGET = 250 * 1024;
const dist = new URL('../dist/', import.meta.url).pathname;
const index = readFileSync(join(dist, 'index.html'), 'utf8');
const entry = [...index.matchAll(/(?:src|href)="\/(assets\/[^"]+\.(?:js|css))"/g)].map((m) => m[1]);
const seen = new Set();
const queue = [...entry];
while (queue.length) {
  const file = queue.shift();
  if (seen.has(file)) continue;
  seen.add(file);
  if (file.endsWith('.js')) {
    const text = readFileSync(join(dist, file), 'utf8');
    // static imports only: `import … from "./x.js"` / `import "./x.js"` (dynamic import() is lazy)
    for (const m of text.matchAll(/(?:^|[;\n}])\s*import\s*(?:[\w${},*\s]+from\s*)?["']\.\/([^"']+\.js)["']/g)) {
      queue.push(`assets/${m[1]}`);
    }
  }
}
let js = 0, css = 0;
for (const f of seen) {
  const size = gzipSync(readFileSync(join(dist, f)), { level: 6 }).length;
  if (f.endsWith('.js')) js += size; else css += size;
}
const all = readdirSync(join(dist, 'assets')).filter((f) => f.endsWith('.js')).length;
const kb = (n) => (n / 1024).toFixed(1);
console.log(`initial load: ${kb(js)} KB JS + ${kb(css)} KB CSS gzipped (${seen.size} files; ${all} JS chunks in all; budget ${kb(BUDGET)} KB JS)`);
if (js > BUDGET) {
  console.error('initial JavaScript is over budget');
  process.exit(1);
}
