// The gate must be able to fail: a deliberately bad page is fed to every check
// and each fault must be reported.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { launchChromium } from './lib/server.mjs';
import {
  checkHeaders, checkAxe, checkPhoneWidth, postForms, checkFormsHaveToken, validateHtml, watchPage,
  renderingOf,
} from './lib/gate.mjs';

const BAD = `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>坏页面</title></head>
<body>
<main>
<h1>坏页面</h1>
<form method="post" action="/admin/users"><input type="text" name="username"><button>保存</button></form>
<p><div>块元素不能放在段落里</div></p>
<ul><div>列表里不能直接放 div</div></ul>
<div style="width: 900px">太宽的内容</div>
<img src="/static/missing.png" alt="">
<script>throw new Error("boom")</script>
</main>
</body></html>`;

const GOOD = `<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>好页面</title></head>
<body><main><h1>好页面</h1>
<form method="post" action="/x"><input type="hidden" name="csrf_token" value="t">
<label for="u">用户名</label><input id="u" name="u"><button type="submit">保存</button></form>
</main></body></html>`;

let server;
let base;
let browser;

before(async () => {
  server = http.createServer((req, res) => {
    if (req.url.startsWith('/static/')) {
      res.writeHead(404).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    res.end(req.url === '/good' ? GOOD : BAD);
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${server.address().port}`;
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  server?.close();
});

test('a bad page is reported by every check', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const drain = watchPage(page, base);
  const res = await page.goto(`${base}/bad`);
  const html = await res.text();

  const headers = checkHeaders(res.headers(), true);
  const axe = await checkAxe(page);
  const phone = await checkPhoneWidth(page);
  const forms = checkFormsHaveToken(await postForms(page));
  const nu = validateHtml([{ key: 'bad', html }, { key: 'good', html: GOOD }]);
  const watched = drain();

  assert.ok(headers.some((f) => f.detail.includes('frame-ancestors')), 'missing CSP reported');
  assert.ok(headers.some((f) => f.detail.includes('nosniff')), 'missing nosniff reported');
  assert.ok(axe.findings.some((f) => f.detail.includes('label')), `missing label reported: ${JSON.stringify(axe.findings)}`);
  assert.equal(phone.length, 1, 'overflow at 360 px reported');
  assert.equal(forms.length, 1, 'form without csrf_token reported');
  assert.ok(nu.get('bad').length >= 1, 'invalid elements reported by the Nu checker');
  assert.deepEqual(nu.get('good'), [], 'a valid page has no Nu errors');
  assert.ok(watched.some((f) => f.rule === 'console' && f.detail.includes('boom')), 'script error reported');
  assert.ok(watched.some((f) => f.rule === 'asset' && f.detail.includes('missing.png')), 'failed asset reported');
  await page.close();
});

test('a clean page passes the checks', async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${base}/good`);
  const axe = await checkAxe(page);
  assert.deepEqual(axe.findings, []);
  assert.deepEqual(await checkPhoneWidth(page), []);
  assert.deepEqual(checkFormsHaveToken(await postForms(page)), []);
  await page.close();
});

test('pages are the same document to axe when only their session tokens differ', () => {
  const withTokens = (csrf, form) => GOOD.replace('value="t"', `value="${csrf}"`)
    .replace('</form>', `<input type="hidden" name="form_token" value="${form}"></form>`);
  assert.equal(renderingOf(withTokens('a1', 'b1')), renderingOf(withTokens('a2', 'b2')));
  assert.notEqual(renderingOf(GOOD), renderingOf(GOOD.replace('用户名', '姓名')), 'a changed label is another document');
  assert.notEqual(renderingOf(GOOD), renderingOf(GOOD.replace('lang="zh-CN"', 'lang="en"')));
});
