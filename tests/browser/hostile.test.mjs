// Hostile input: every role signs in and visits the pages reachable by links;
// every form found (POST and GET) and every link with a query string is sent
// again with one field at a time replaced by input no form expects: NULs, dates
// PostgreSQL cannot hold, huge numbers, long text, markup. The other fields
// hold plausible values, so most hostile values get past the fields before
// them and are stored or refused by the form's own checks. Whatever a user can
// type must get an answer below 500 (a message, a 400 or 404 page), never an
// error page; markup stored as text must come back escaped on every page; and
// the app must still be up afterwards.
import { test, before, after } from 'node:test';
import { randomBytes } from 'node:crypto';
import assert from 'node:assert/strict';
import { follow } from './lib/links.mjs';
import { startKefu, launchChromium, signIn, ROLES } from './lib/server.mjs';

/** Each page shape (ids and query values aside) is visited once, up to this many. */
const MAX_PAGES_PER_ROLE = 80;

const MARKUP = '<script>alert(1)</script>';
const HOSTILE = [
  '\u0000',
  'a\u0000b',
  '-9999-01-01',
  '+275760-09-13',
  '2026-02-30T25:61',
  '9'.repeat(30),
  '-1',
  '1e309',
  ' ',
  '%',
  '𠜎\u202e' + MARKUP,
  "' OR '1'='1",
  'x'.repeat(20000),
];

let kefu;
let browser;

before(async () => {
  kefu = await startKefu('kefu_browser_hostile');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  kefu?.stop();
});

const shapeOf = (p) => p.replace(/\d+/g, '#').replace(/=[^&]*/g, '=');

/**
 * The forms of the page shown: method, action, encoding, whether it asks for a
 * password, and its fields in order, empty ones filled with something each
 * would accept (a date three days ahead, the first choice, a number, text), so
 * that a hostile value in one field meets valid ones in the others and goes as
 * far as the form lets it: through validation to the database.
 */
function formsOf(page) {
  return page.evaluate(() => {
    const day = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
    const plausible = (el) => {
      const type = (el.getAttribute('type') || el.tagName).toLowerCase();
      if (el.tagName === 'SELECT') {
        return el.value || [...el.options].map((o) => o.value).find((v) => v) || '';
      }
      if (el.value) return el.value;
      const name = el.name.toLowerCase();
      if (type === 'date') return day(3);
      if (type === 'datetime-local') return `${day(1)}T10:00`;
      if (type === 'number') return el.getAttribute('min') || '1';
      if (type === 'email' || name.includes('email')) return 'someone@example.com';
      if (type === 'tel' || name.includes('phone')) return '13812345678';
      return '测试';
    };
    return [...document.querySelectorAll('form')].map((f) => {
      const fields = [];
      for (const el of f.elements) {
        const type = (el.getAttribute('type') || '').toLowerCase();
        if (!el.name || el.disabled || ['submit', 'button', 'reset', 'file'].includes(type)) continue;
        if ((type === 'checkbox' || type === 'radio') && !el.checked) continue;
        fields.push([el.name, plausible(el)]);
      }
      return {
        method: (f.getAttribute('method') || 'get').toLowerCase(),
        action: new URL(f.getAttribute('action') || location.href, location.href).pathname,
        multipart: (f.getAttribute('enctype') || '').toLowerCase() === 'multipart/form-data',
        password: !!f.querySelector('input[type=password]'),
        fields,
      };
    });
  });
}

/**
 * The fields with the first `name` replaced by `value`, and a fresh one-time
 * form token (any unused one is accepted), so that the first submit that files
 * does not turn every later one into "already sent".
 */
function replaced(fields, name, value) {
  let done = false;
  return fields.map(([k, v]) => {
    if (!done && k === name) {
      done = true;
      return [k, value];
    }
    return [k, k === 'form_token' ? randomBytes(32).toString('hex') : v];
  });
}

async function sweep(role, username) {
  const context = await browser.newContext();
  const page = await context.newPage();
  const signedIn = async () => {
    await signIn(page, kefu.base, username);
    // An earlier sweep may have renamed or disabled this user: that ends the test
    // here rather than sweeping the sign-in page.
    assert.ok(!new URL(page.url()).pathname.startsWith('/login'), `${role} signs in`);
  };
  await signedIn();
  const request = context.request;
  const failures = [];
  const sent = { post: 0, get: 0 };
  const seen = new Set(['/']);
  const shapes = new Set();
  const targets = new Set();
  const queue = ['/'];
  const pages = [];
  let visited = 0;

  const check = (what, res) => {
    if (res.status() >= 500) failures.push(`${role}: ${what} answered ${res.status()}`);
  };

  while (queue.length && visited < MAX_PAGES_PER_ROLE) {
    const url = queue.shift();
    visited++;
    pages.push(url);
    const res = await page.goto(kefu.base + url);
    if (res.status() >= 400) continue;
    const forms = await formsOf(page);
    const links = await page.$$eval('a[href]', (as) => as.map((a) => a.getAttribute('href')));

    for (const form of forms) {
      // Signing out, in, or changing a password would end the sweep's own session.
      if (form.action === '/logout' || form.action === '/login' || form.password) continue;
      const key = `${form.method} ${shapeOf(form.action)}`;
      if (targets.has(key)) continue;
      targets.add(key);
      const names = [...new Set(form.fields.map(([k]) => k))].filter((k) => k !== 'csrf_token');
      for (const name of names) {
        // The values for one field go together: a user's double submits and
        // several tabs send concurrently too, and the sweep takes half the time.
        await Promise.all(HOSTILE.map(async (value) => {
          const fields = replaced(form.fields, name, value);
          const what = `${form.method.toUpperCase()} ${form.action} ${name}=${JSON.stringify(value).slice(0, 24)}`;
          if (form.method === 'post') {
            sent.post++;
            const options = { maxRedirects: 0, headers: { Origin: kefu.base } };
            if (form.multipart) {
              options.multipart = Object.fromEntries(fields);
            } else {
              options.headers['Content-Type'] = 'application/x-www-form-urlencoded';
              options.data = new URLSearchParams(fields).toString();
            }
            check(what, await request.post(kefu.base + form.action, options));
          } else {
            sent.get++;
            const q = new URLSearchParams(fields).toString();
            check(what, await request.get(`${kefu.base}${form.action}?${q}`, { maxRedirects: 0 }));
          }
        }));
      }
    }

    for (const href of links) {
      const next = follow(kefu.base, href);
      if (!next) continue;
      const u = new URL(next, kefu.base);
      const key = `link ${shapeOf(next)}`;
      if (u.search && !targets.has(key)) {
        targets.add(key);
        for (const name of new Set(u.searchParams.keys())) {
          await Promise.all(HOSTILE.map(async (value) => {
            const v = new URL(u);
            v.searchParams.set(name, value);
            sent.get++;
            check(`GET ${u.pathname} ${name}=${JSON.stringify(value).slice(0, 24)}`,
              await request.get(v.toString(), { maxRedirects: 0 }));
          }));
        }
      }
      if (seen.has(next)) continue;
      seen.add(next);
      const shape = shapeOf(next);
      if (shapes.has(shape)) continue;
      shapes.add(shape);
      queue.push(next);
    }

    // A sweep that signed itself out (a form it sent ended the session) signs in again.
    const home = await request.get(`${kefu.base}/`, { maxRedirects: 0 });
    if (home.status() !== 200) await signedIn();
  }
  await context.close();
  return { failures, sent, visited, pages, targets: targets.size };
}

/** The pages `username` visited, read again once every sweep has stored what it could: markup sent as text must come back escaped. */
async function unescaped(role, username, pages) {
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, kefu.base, username);
  const found = [];
  let escaped = 0;
  for (const url of pages) {
    const res = await context.request.get(kefu.base + url, { maxRedirects: 0 });
    const html = await res.text();
    if (html.includes(MARKUP)) found.push(`${role}: ${url} shows ${MARKUP} unescaped`);
    // Shown, and (the check above) not as markup: escaped.
    else if (html.includes('alert(1)')) escaped++;
  }
  await context.close();
  return { found, escaped };
}

test('no input a user can send gets a 5xx answer or comes back unescaped, for any role', async () => {
  const failures = [];
  const summary = [];
  let posts = 0;
  const visited = {};
  for (const [role, username] of Object.entries(ROLES)) {
    const r = await sweep(role, username);
    visited[role] = r.pages;
    failures.push(...r.failures);
    posts += r.sent.post;
    summary.push(`${role}: ${r.visited} pages, ${r.targets} forms and links, ${r.sent.post} POST and ${r.sent.get} GET sent`);
  }
  let escaped = 0;
  for (const [role, username] of Object.entries(ROLES)) {
    const r = await unescaped(role, username, visited[role]);
    failures.push(...r.found);
    escaped += r.escaped;
  }
  summary.push(`${escaped} pages show stored markup, escaped`);
  console.log(summary.join('\n'));
  const health = await fetch(`${kefu.base}/healthz`);
  assert.equal(health.status, 200, 'the app is still up');
  assert.ok(posts >= 200, `the sweep sent forms (${posts})`);
  assert.ok(escaped > 0, 'some markup was stored and shown again');
  assert.equal(failures.length, 0, `5xx answers and unescaped markup:\n${failures.join('\n')}`);
});
