// The checks every page must pass. Each returns findings: { rule, detail }.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const require = createRequire(import.meta.url);
const AXE_SOURCE = fs.readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
const VNU_JAR = require.resolve('vnu-jar/build/dist/vnu.jar');

/** Headers the foundation promises on every HTML page. */
export function checkHeaders(headers, signedIn) {
  const found = [];
  const csp = headers['content-security-policy'] || '';
  for (const part of ["frame-ancestors 'none'", "object-src 'none'", "base-uri 'none'"]) {
    if (!csp.includes(part)) found.push({ rule: 'header', detail: `Content-Security-Policy lacks ${part}` });
  }
  if (/unsafe-inline/.test(csp.split(';').find((d) => d.trim().startsWith('script-src')) || '')) {
    found.push({ rule: 'header', detail: "script-src allows 'unsafe-inline'" });
  }
  if (headers['x-content-type-options'] !== 'nosniff') found.push({ rule: 'header', detail: 'X-Content-Type-Options is not nosniff' });
  if (!headers['referrer-policy']) found.push({ rule: 'header', detail: 'Referrer-Policy missing' });
  if (signedIn && !(headers['cache-control'] || '').includes('no-store')) {
    found.push({ rule: 'header', detail: 'Cache-Control: no-store missing on a page behind sign-in' });
  }
  return found;
}

/**
 * What axe and the phone-width check look at, as a key: the document as served,
 * without the tokens that differ from one session to the next. Two pages with the
 * same key are the same document to those checks.
 */
export function renderingOf(html) {
  const tokens = /<input type="hidden" name="(?:csrf_token|form_token)" value="[^"]*">/g;
  return createHash('sha256').update(html.replace(tokens, '')).digest('hex');
}

/**
 * Loads axe into every document `context` opens, before the page's own
 * scripts (through DevTools, so the page's CSP does not block it). Chromium
 * keeps the compiled script: about a tenth of the cost of sending axe's
 * source to each page to evaluate, which {@link checkAxe} falls back to.
 */
export async function preloadAxe(context) {
  await context.addInitScript({ content: AXE_SOURCE });
}

/** axe-core: serious and critical violations are findings; the rest are counted. */
export async function checkAxe(page) {
  if (!(await page.evaluate(() => Boolean(window.axe)))) {
    // Evaluated through the DevTools protocol, so the page's CSP does not block it.
    await page.evaluate((source) => { (0, eval)(source); }, AXE_SOURCE);
  }
  const result = await page.evaluate(async () => {
    const r = await window.axe.run(document, { resultTypes: ['violations'] });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')) }));
  });
  const findings = result
    .filter((v) => v.impact === 'serious' || v.impact === 'critical')
    .map((v) => ({ rule: 'axe', detail: `${v.impact} ${v.id} at ${v.nodes.join(', ')}` }));
  const minor = result.filter((v) => v.impact !== 'serious' && v.impact !== 'critical').length;
  return { findings, minor };
}

/** At 360 px the page body must not scroll sideways (wide tables scroll in their box). */
export async function checkPhoneWidth(page) {
  const original = page.viewportSize();
  await page.setViewportSize({ width: 360, height: 740 });
  const overflow = await page.evaluate(() => {
    const de = document.documentElement;
    return { scroll: Math.max(de.scrollWidth, document.body.scrollWidth), width: de.clientWidth };
  });
  await page.setViewportSize(original);
  return overflow.scroll > overflow.width
    ? [{ rule: 'phone-width', detail: `page is ${overflow.scroll}px wide at 360px` }]
    : [];
}

/** Every POST form, with its fields (for the refusal check) and whether it has a token. */
export async function postForms(page) {
  return page.evaluate(() =>
    [...document.querySelectorAll('form')]
      .filter((f) => (f.getAttribute('method') || '').toLowerCase() === 'post')
      .map((f) => ({
        action: new URL(f.getAttribute('action') || location.href, location.href).pathname,
        hasToken: !!f.querySelector('input[name="csrf_token"]'),
        fields: [...new FormData(f).entries()].filter(([k, v]) => k !== 'csrf_token' && typeof v === 'string'),
      })),
  );
}

export function checkFormsHaveToken(forms) {
  return forms
    .filter((f) => !f.hasToken)
    .map((f) => ({ rule: 'csrf', detail: `form posting to ${f.action} has no csrf_token` }));
}

/** Submits a form without its token, in the signed-in context: must be refused with 403. */
export async function checkRefusedWithoutToken(context, base, form) {
  const res = await context.request.post(base + form.action, {
    form: Object.fromEntries(form.fields),
    maxRedirects: 0,
    headers: { Origin: base },
  });
  return res.status() === 403
    ? []
    : [{ rule: 'csrf', detail: `POST ${form.action} without csrf_token answered ${res.status()}, not 403` }];
}

/**
 * Runs the Nu Html Checker once over many documents.
 * docs: [{ key, html }]; returns Map key → [finding].
 */
export function validateHtml(docs) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'kefu-vnu-'));
  const byFile = new Map();
  docs.forEach((d, i) => {
    const file = path.join(dir, `${i}.html`);
    fs.writeFileSync(file, d.html);
    byFile.set(`file:${file}`, d.key);
  });
  const out = new Map(docs.map((d) => [d.key, []]));
  if (docs.length === 0) return out;
  let json;
  try {
    json = execFileSync('java', ['-jar', VNU_JAR, '--format', 'json', '--exit-zero-always', '--stdout', ...byFile.keys()].map((a) => a.replace(/^file:/, '')), {
      encoding: 'utf8',
      maxBuffer: 64 * 1024 * 1024,
    });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  for (const m of JSON.parse(json).messages) {
    if (m.type !== 'error') continue;
    const key = byFile.get(m.url) ?? byFile.get(m.url?.replace('file:///', 'file:/'));
    const list = out.get(key);
    if (list) list.push({ rule: 'html', detail: `line ${m.lastLine}: ${m.message}` });
  }
  return out;
}

/** Attaches console and asset-failure listeners; returns a function that drains them. */
export function watchPage(page, base) {
  let found = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') found.push({ rule: 'console', detail: msg.text() });
  });
  page.on('pageerror', (err) => found.push({ rule: 'console', detail: String(err) }));
  page.on('requestfailed', (req) => {
    if (!req.url().startsWith(base)) return;
    const error = req.failure()?.errorText;
    // The browser fetches the icon on its own after the page has loaded; the
    // next navigation cancels it when it is still on its way. Not a failure of
    // the site: the icon's answer, when it comes, is checked below.
    if (error === 'net::ERR_ABORTED' && new URL(req.url()).pathname.startsWith('/static/favicon')) return;
    found.push({ rule: 'asset', detail: `${req.url()} failed: ${error}` });
  });
  page.on('response', (res) => {
    const req = res.request();
    if (res.url().startsWith(base) && req.resourceType() !== 'document' && res.status() >= 400) {
      found.push({ rule: 'asset', detail: `${res.url()} answered ${res.status()}` });
    }
  });
  return () => {
    const f = found;
    found = [];
    return f;
  };
}
