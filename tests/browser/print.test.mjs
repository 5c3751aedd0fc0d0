// Print: the whole handbook through Chromium's print to PDF, as a person would
// print it, read back with poppler.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import fs from 'node:fs';
import { startKefu, launchChromium, signIn, ARTEFACTS } from './lib/server.mjs';

let kefu;
let browser;

before(async () => {
  fs.mkdirSync(ARTEFACTS, { recursive: true });
  kefu = await startKefu('kefu_browser_print');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  kefu?.stop();
});

test('the printed handbook has a cover, page numbers and every document', async () => {
  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  await signIn(page, kefu.base, 'employee');
  const res = await page.goto(`${kefu.base}/handbook/print`);
  assert.equal(res.status(), 200);
  const title = (await page.textContent('h1')).trim();
  const pdf = path.join(ARTEFACTS, 'handbook.pdf');

  await page.emulateMedia({ media: 'print' });
  await page.pdf({ path: pdf, preferCSSPageSize: true, printBackground: false });

  const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
  const pages = Number(/Pages:\s+(\d+)/.exec(info)[1]);
  assert.ok(pages >= 5 && pages <= 80, `a plausible page count: ${pages}`);
  assert.match(info, /Page size:.*\(A4\)/, 'A4 paper');
  const first = execFileSync('pdftotext', ['-f', '1', '-l', '1', '-layout', pdf, '-'], { encoding: 'utf8' });
  const squeeze = (s) => s.replace(/\s+/g, '');
  assert.ok(squeeze(first).includes(squeeze(title)), `the title "${title}" is on page 1:\n${first}`);
  assert.match(squeeze(first), new RegExp(`第1页/共${pages}页`), `page 1 is numbered:\n${first}`);
  const all = squeeze(execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }));
  for (const text of ['钥匙管理规定', '住户档案管理规定', '原文此处缺失']) {
    assert.ok(all.includes(text), `${text} is printed`);
  }
  assert.ok(!all.includes('退出') && !all.includes('English') && !all.includes('返回'), 'no navigation on paper');
  // Each chapter starts a page: the key rules' last clause and the archive
  // rules' first share none.
  for (let p = 1; p <= pages; p++) {
    const text = squeeze(execFileSync('pdftotext', ['-f', String(p), '-l', String(p), pdf, '-'], { encoding: 'utf8' }));
    assert.ok(!(text.includes('房屋钥匙管理记录表') && text.includes('业主自用')), `page ${p} holds two chapters:\n${text}`);
  }
  await context.close();
});

test('one chapter prints alone, from its link on the document', async () => {
  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  await signIn(page, kefu.base, 'employee');
  await page.goto(`${kefu.base}/handbook/cite?c=${encodeURIComponent('钥匙管理规定 2(1)②')}`);
  await page.click('#s1 .hb-section-print a');
  assert.equal(new URL(page.url()).searchParams.get('s'), '1');
  assert.equal((await page.textContent('h1')).trim(), '钥匙管理规定');
  const pdf = path.join(ARTEFACTS, 'handbook-chapter.pdf');
  await page.emulateMedia({ media: 'print' });
  await page.pdf({ path: pdf, preferCSSPageSize: true, printBackground: false });
  const all = execFileSync('pdftotext', [pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
  for (const text of ['钥匙管理规定', '钥匙分类', '房屋钥匙管理记录表']) {
    assert.ok(all.includes(text), `${text} is printed`);
  }
  assert.ok(!all.includes('业主自用') && !all.includes('打印本章'), 'the next chapter, and the link, are not');
  await context.close();
});

test('the key loan register prints like the paper form: A4 landscape, signature columns, page numbers', async () => {
  const context = await browser.newContext({ locale: 'zh-CN' });
  const page = await context.newPage();
  await signIn(page, kefu.base, 'specialist');
  const res = await page.goto(`${kefu.base}/keys/loans/print`);
  assert.equal(res.status(), 200);
  // On screen: a way back to the register and a print button.
  assert.ok(await page.isVisible('#paper-back'), 'the way back is shown on screen');
  assert.ok(await page.isVisible('#paper-print'), 'the print button is shown on screen');
  const pdf = path.join(ARTEFACTS, 'key-loans.pdf');
  await page.emulateMedia({ media: 'print' });
  await page.pdf({ path: pdf, preferCSSPageSize: true, printBackground: false });
  const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
  const [, w, h] = /Page size:\s+([\d.]+) x ([\d.]+)/.exec(info);
  assert.ok(Number(w) > Number(h), `landscape: ${w} x ${h}`);
  const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
  for (const s of ['房屋钥匙管理记录表', '借用人签字', '归还签字', '更换配电房照明灯具', '第1页/共1页']) {
    assert.ok(text.includes(s), `${s} is printed`);
  }
  assert.ok(!text.includes('返回') && !text.includes('检查消防通道门闭门器'), 'no way back, no waiting request on paper');
  await page.emulateMedia({ media: 'screen' });
  await page.click('#paper-back');
  assert.equal(new URL(page.url()).pathname, '/keys/loans');
  await context.close();
});

test('a page printed in English is numbered in English', async () => {
  const context = await browser.newContext({ locale: 'en-US' });
  const page = await context.newPage();
  await signIn(page, kefu.base, 'specialist');
  const res = await page.goto(`${kefu.base}/keys/loans/print?lang=en`);
  assert.equal(res.status(), 200);
  const pdf = path.join(ARTEFACTS, 'key-loans-en.pdf');
  await page.emulateMedia({ media: 'print' });
  await page.pdf({ path: pdf, preferCSSPageSize: true, printBackground: false });
  const info = execFileSync('pdfinfo', [pdf], { encoding: 'utf8' });
  const [, w, h] = /Page size:\s+([\d.]+) x ([\d.]+)/.exec(info);
  assert.ok(Number(w) > Number(h), `still landscape: ${w} x ${h}`);
  const text = execFileSync('pdftotext', ['-layout', pdf, '-'], { encoding: 'utf8' }).replace(/\s+/g, '');
  assert.ok(text.includes('Page1of1'), `numbered in English:\n${text}`);
  assert.ok(!text.includes('第1页'), 'no Chinese page number');
  await context.close();
});
