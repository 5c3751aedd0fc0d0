// The crawl: every demo role signs in and visits every page reachable by links
// from the home page, in Chinese and in English; each page must pass the gate.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { follow } from './lib/links.mjs';
import { startKefu, launchChromium, signIn, ROLES, ARTEFACTS } from './lib/server.mjs';
import {
  checkHeaders, checkAxe, preloadAxe, checkPhoneWidth, postForms, checkFormsHaveToken,
  checkRefusedWithoutToken, validateHtml, watchPage, renderingOf,
} from './lib/gate.mjs';

/** Pages of the same shape (ids differ) are visited this many times at most. */
const PER_SHAPE = 2;
const MAX_PAGES_PER_ROLE = 120;
/** Crawls run at the same time, each in its own browser context. */
const CRAWLS_AT_ONCE = 2;

let kefu;
let browser;

before(async () => {
  fs.mkdirSync(ARTEFACTS, { recursive: true });
  kefu = await startKefu('kefu_browser_crawl');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  kefu?.stop();
});

const shapeOf = (p) => p.replace(/\d+/g, '#').replace(/\?.*$/, '?');

async function crawl(role, username, lang, rendered) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: lang === 'en' ? 'en-US' : 'zh-CN' });
  await preloadAxe(context);
  const page = await context.newPage();
  const drain = watchPage(page, kefu.base);
  await signIn(page, kefu.base, username);
  const home = await page.goto(`${kefu.base}/?lang=${lang}`);
  assert.equal(home.status(), 200, `${role} ${lang}: home page`);
  await page.screenshot({ path: path.join(ARTEFACTS, `home-${role}-${lang}.png`), fullPage: true });
  drain();

  const failures = [];
  const docs = [];
  const seen = new Set(['/']);
  const shapes = new Map();
  const queue = ['/'];
  const checkedForms = new Set();
  let minorAxe = 0;
  let visited = 0;
  let reused = 0;
  while (queue.length && visited < MAX_PAGES_PER_ROLE) {
    const url = queue.shift();
    visited++;
    const res = await page.goto(kefu.base + url);
    const fail = (f) => failures.push({ role, lang, url, ...f });
    const status = res.status();
    if (status >= 400) {
      fail({ rule: 'status', detail: `answered ${status}${status === 403 ? ' (the page links to what this user may not open)' : ''}` });
      continue;
    }
    const headers = res.headers();
    checkHeaders(headers, true).forEach(fail);
    const html = await res.text();
    docs.push({ key: `${role}|${lang}|${url}`, html });
    // axe and the phone-width check, the costliest checks, run once per
    // document: many pages serve several roles the same one (a print sheet, a
    // handbook chapter), and their findings count for every page that served it.
    const key = renderingOf(html);
    let seenAs = rendered.get(key);
    if (seenAs) {
      reused++;
    } else {
      const axe = await checkAxe(page);
      seenAs = { ...axe, phone: await checkPhoneWidth(page) };
      rendered.set(key, seenAs);
    }
    seenAs.findings.forEach(fail);
    seenAs.phone.forEach(fail);
    minorAxe += seenAs.minor;
    const forms = await postForms(page);
    checkFormsHaveToken(forms).forEach(fail);
    for (const form of forms) {
      if (checkedForms.has(form.action)) continue;
      checkedForms.add(form.action);
      (await checkRefusedWithoutToken(context, kefu.base, form)).forEach(fail);
    }
    drain().forEach(fail);
    const links = await page.$$eval('a[href]', (as) => as.filter((a) => !a.hasAttribute('download')).map((a) => a.getAttribute('href')));
    for (const href of links) {
      const next = follow(kefu.base, href);
      if (!next || seen.has(next)) continue;
      seen.add(next);
      const shape = shapeOf(next);
      const n = shapes.get(shape) ?? 0;
      if (n >= PER_SHAPE) continue;
      shapes.set(shape, n + 1);
      queue.push(next);
    }
    if (failures.some((f) => f.url === url)) {
      await page.screenshot({ path: path.join(ARTEFACTS, `fail-${role}-${lang}-${visited}.png`), fullPage: true });
    }
  }
  await context.close();
  return { failures, docs, visited, reused, minorAxe };
}

test('every page, for every role, in both languages, passes the gate', async () => {
  const failures = [];
  const docs = [];
  const summary = [];
  const jobs = Object.entries(ROLES).flatMap(([role, username]) =>
    ['zh-CN', 'en'].map((lang) => ({ role, username, lang })));
  // The crawl only reads, so crawls run side by side in their own contexts:
  // the machine is idle between a page's requests.
  const results = [];
  const rendered = new Map();
  let next = 0;
  await Promise.all(Array.from({ length: CRAWLS_AT_ONCE }, async () => {
    while (next < jobs.length) {
      const i = next++;
      const { role, username, lang } = jobs[i];
      results[i] = { role, lang, ...(await crawl(role, username, lang, rendered)) };
    }
  }));
  for (const r of results) {
    failures.push(...r.failures);
    docs.push(...r.docs);
    summary.push(`${r.role}/${r.lang}: ${r.visited} pages (${r.reused} the same document as one checked before), ${r.minorAxe} minor axe findings`);
  }
  for (const [key, found] of validateHtml(docs)) {
    const [role, lang, url] = key.split('|');
    found.forEach((f) => failures.push({ role, lang, url, ...f }));
  }
  console.log(summary.join('\n'));
  assert.ok(docs.length >= 14, `the crawl visited pages (${docs.length})`);
  const report = failures.map((f) => `${f.role} ${f.lang} ${f.url} [${f.rule}] ${f.detail}`).join('\n');
  fs.writeFileSync(path.join(ARTEFACTS, 'crawl-failures.txt'), report);
  assert.equal(failures.length, 0, `gate failures:\n${report}`);
});
