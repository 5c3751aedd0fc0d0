// Journeys typed as a person would, in a real Chromium.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { startKefu, launchChromium, signIn, sqlValue, ARTEFACTS } from './lib/server.mjs';

let kefu;
let browser;

before(async () => {
  kefu = await startKefu('kefu_browser_journeys');
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
  kefu?.stop();
});

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, locale: 'zh-CN' });
  return context.newPage();
}

test('sign in with a wrong password, then the right one', async () => {
  const page = await newPage();
  await signIn(page, kefu.base, 'supervisor', 'not-my-password');
  assert.equal(await page.textContent('[role=alert]'), '用户名或密码不正确。');
  assert.equal(await page.inputValue('#f-username'), 'supervisor', 'the username is kept');
  assert.equal(await page.inputValue('#f-password'), '', 'the password is not sent back');

  await page.fill('#f-password', 'kefu-demo');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);

  assert.equal(new URL(page.url()).pathname, '/');
  assert.equal(await page.textContent('h1'), '您好，客服主管 李强');
  await page.context().close();
});

test('switch the language and back', async () => {
  const page = await newPage();
  await signIn(page, kefu.base, 'specialist');
  await Promise.all([page.waitForNavigation(), page.click('a.lang')]);
  assert.equal(await page.textContent('h1'), 'Hello, 客服专员 陈静');
  assert.equal(await page.getAttribute('html', 'lang'), 'en');
  await page.goto(`${kefu.base}/account/password`);
  assert.equal(await page.textContent('h1'), 'Change password', 'the choice holds on other pages');

  await Promise.all([page.waitForNavigation(), page.click('a.lang')]);
  assert.equal(await page.textContent('h1'), '修改密码');
  await page.context().close();
});

test('a form with a mistake keeps the input, shows the message, then saves', async () => {
  const page = await newPage();
  await signIn(page, kefu.base, 'admin');
  await page.click('text=用户管理');
  await page.click('text=新建用户');
  await page.fill('#f-username', 'li.na');
  await page.fill('#f-display_name', '客服专员 李娜');
  await page.fill('#f-email', 'li.na@example');
  await page.check('input[name=roles][value=cs_specialist]');
  await Promise.all([page.waitForNavigation(), page.click('button.primary')]);

  assert.equal(await page.textContent('#e-email'), '电子邮箱格式不正确。');
  assert.equal(await page.inputValue('#f-display_name'), '客服专员 李娜', 'input kept');
  assert.equal(await page.inputValue('#f-email'), 'li.na@example');
  assert.ok(await page.isChecked('input[name=roles][value=cs_specialist]'), 'checked posts kept');
  await page.screenshot({ path: path.join(ARTEFACTS, 'journey-form-error.png'), fullPage: true });

  await page.fill('#f-email', 'li.na@example.com');
  await Promise.all([page.waitForNavigation(), page.click('button.primary')]);

  assert.match(page.url(), /\/admin\/users\/\d+$/);
  assert.equal(await page.textContent('.flash-ok'), '用户已创建。');
  assert.match(await page.textContent('.otp code'), /^[A-Za-z2-9]{12}$/);
  assert.ok((await page.textContent('.details')).includes('客服专员'));
  await page.context().close();
});

test('a form sent after the session ended loses nothing', async () => {
  const page = await newPage();
  await signIn(page, kefu.base, 'admin');
  await page.goto(`${kefu.base}/admin/users/new`);
  await page.fill('#f-username', 'zhou.yan');
  await page.fill('#f-display_name', '客服专员 周燕');
  await page.fill('#f-email', 'zhou.yan@example.com');
  await page.check('input[name=roles][value=cs_specialist]');
  // The session ends while the form is open (as after 30 idle minutes).
  await page.context().clearCookies();

  await Promise.all([page.waitForNavigation(), page.click('button.primary')]);

  assert.equal(await page.textContent('h1 .status'), '403');
  assert.ok((await page.textContent('h1')).includes('登录已过期'));
  await Promise.all([page.waitForNavigation(), page.click('text=重新登录并返回表单')]);
  await page.fill('#f-username', 'admin');
  await page.fill('#f-password', 'kefu-demo');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);

  assert.equal(new URL(page.url()).pathname, '/admin/users/new', 'back on the form');
  assert.equal(await page.inputValue('#f-display_name'), '客服专员 周燕', 'what was typed is back');
  assert.equal(await page.inputValue('#f-email'), 'zhou.yan@example.com');
  assert.ok(await page.isChecked('input[name=roles][value=cs_specialist]'));
  assert.ok((await page.textContent('.draft-note')).includes('已恢复'));
  await Promise.all([page.waitForNavigation(), page.click('button.primary')]);
  assert.equal(await page.textContent('.flash-ok'), '用户已创建。');
  await page.goto(`${kefu.base}/admin/users/new`);
  assert.equal(await page.inputValue('#f-display_name'), '', 'a saved form leaves no draft behind');
  await page.context().close();
});

test('a form sent back with its messages keeps the address of its page when the session ends', async () => {
  const page = await newPage();
  await signIn(page, kefu.base, 'admin');
  await page.goto(`${kefu.base}/admin/users/new`);
  await page.fill('#f-username', 'li.na');
  await page.fill('#f-display_name', '客服专员 李娜');
  await page.fill('#f-email', 'not-an-address');
  await page.check('input[name=roles][value=cs_specialist]');
  await Promise.all([page.waitForNavigation(), page.click('button.primary')]);
  // Drawn by POST /admin/users (whose GET is the list), shown at the form's address.
  assert.ok(await page.isVisible('.error-summary'));
  assert.equal(new URL(page.url()).pathname, '/admin/users/new', 'the address bar names the form');
  await page.fill('#f-email', 'li.na@example.com');
  await page.context().clearCookies();

  await Promise.all([page.waitForNavigation(), page.click('button.primary')]);
  assert.ok((await page.textContent('h1')).includes('登录已过期'));
  await Promise.all([page.waitForNavigation(), page.click('text=重新登录并返回表单')]);
  await page.fill('#f-username', 'admin');
  await page.fill('#f-password', 'kefu-demo');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);

  assert.equal(new URL(page.url()).pathname, '/admin/users/new', 'back on the form, not the list');
  assert.equal(await page.inputValue('#f-display_name'), '客服专员 李娜');
  assert.equal(await page.inputValue('#f-email'), 'li.na@example.com', 'the correction too');
  assert.ok(await page.isChecked('input[name=roles][value=cs_specialist]'));
  await page.context().close();
});

test("a meeting's attendance comes back person by person after the session ended", async () => {
  const page = await newPage();
  await signIn(page, kefu.base, 'supervisor');
  await page.goto(`${kefu.base}/meetings/new`);
  const selects = page.locator('#attendance select');
  assert.ok((await selects.count()) >= 3, 'several people listed');
  const ids = [];
  for (let i = 0; i < 3; i++) ids.push(await selects.nth(i).getAttribute('id'));
  const chosen = ['late', 'absent', 'leave'];
  for (let i = 0; i < 3; i++) await page.selectOption(`#${ids[i]}`, chosen[i]);
  await page.fill('#f-minutes', '例会：本周钥匙盘点');
  await page.context().clearCookies();

  await Promise.all([page.waitForNavigation(), page.click('form[action="/meetings/new"] button[type=submit]')]);
  assert.ok((await page.textContent('h1')).includes('登录已过期'));
  await Promise.all([page.waitForNavigation(), page.click('text=重新登录并返回表单')]);
  await page.fill('#f-username', 'supervisor');
  await page.fill('#f-password', 'kefu-demo');
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);

  assert.equal(new URL(page.url()).pathname, '/meetings/new', 'back on the form');
  assert.ok((await page.textContent('.draft-note')).includes('已恢复'));
  for (let i = 0; i < 3; i++) {
    assert.equal(await page.inputValue(`#${ids[i]}`), chosen[i], `line ${i + 1} as chosen`);
  }
  assert.equal(await page.inputValue('#f-minutes'), '例会：本周钥匙盘点');
  await page.context().close();
});

test('a scan too large is refused as it is chosen, and the form keeps what was typed', async () => {
  const page = await newPage();
  await signIn(page, kefu.base, 'keeper');
  const archive = sqlValue('kefu_browser_journeys', "SELECT min(id) FROM archives WHERE NOT legal_hold");
  await page.goto(`${kefu.base}/archives/${archive}`);
  await page.fill('#f-title', '装修协议（彩色扫描）');
  await page.setInputFiles('#f-scan', {
    name: 'big.pdf', mimeType: 'application/pdf', buffer: Buffer.alloc(21 * 1024 * 1024, 0x25),
  });
  assert.equal(await page.textContent('#e-scan'), '扫描件不能超过 20 MB。');
  assert.equal(await page.getAttribute('#f-scan', 'aria-invalid'), 'true');
  assert.equal(await page.evaluate(() => document.getElementById('f-scan').files.length), 0, 'not kept to be sent');
  assert.equal(await page.inputValue('#f-title'), '装修协议（彩色扫描）', 'what was typed stays');
  // A scan that fits clears the message.
  await page.setInputFiles('#f-scan', { name: 'ok.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n%%EOF\n') });
  assert.equal(await page.textContent('#e-scan'), '');
  await page.context().close();
});

test('a draft keeps what was typed but never a phone or ID number', async () => {
  const page = await newPage();
  await signIn(page, kefu.base, 'specialist');
  await page.goto(`${kefu.base}/visits/new`);
  await page.fill('#f-visitor_name', '王先生');
  await page.fill('#f-visitor_phone', '13900001111');
  const stored = await page.evaluate(() => Object.keys(sessionStorage)
    .filter((k) => k.startsWith('kefu-draft:'))
    .map((k) => sessionStorage.getItem(k))
    .join(''));
  assert.ok(stored.includes('王先生'), 'the name is kept');
  assert.ok(!stored.includes('13900001111'), 'the phone is not');
  await page.context().close();
});

test('a drawn signature survives a field to correct and reaches the receipt', async () => {
  const page = await newPage();
  await signIn(page, kefu.base, 'specialist');
  const room = sqlValue('kefu_browser_journeys',
    "SELECT r.id FROM rooms r JOIN buildings b ON b.id = r.building_id " +
    "WHERE b.code = '1' AND r.unit = '1' AND r.number = '301'");
  await page.goto(`${kefu.base}/keys/rooms/${room}/issue`);
  await page.selectOption('#f-resident', { index: 1 });
  await page.fill('#f-id_number', '11010519491231002X');
  await page.fill('#f-sign_name', '王小明');
  await page.check('#f-sign_confirm');
  const pad = page.locator('[data-signature] canvas');
  const box = await pad.boundingBox();
  await page.mouse.move(box.x + 30, box.y + 100);
  await page.mouse.down();
  await page.mouse.move(box.x + 180, box.y + 40, { steps: 12 });
  await page.mouse.move(box.x + 330, box.y + 120, { steps: 12 });
  await page.mouse.up();
  const drawn = await page.inputValue('#f-sign_drawing');
  assert.match(drawn, /^data:image\/png;base64,/);

  // The ID shown is not the owner's: the form comes back, the drawing on its pad.
  await Promise.all([page.waitForNavigation(), page.click('button.primary')]);
  assert.ok((await page.textContent('#e-id_number')).includes('不一致'));
  assert.equal(await page.inputValue('#f-sign_drawing'), drawn, 'the drawing is sent back');
  await page.waitForFunction(() => {
    const c = document.querySelector('[data-signature] canvas');
    const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < px.length; i += 4) if (px[i]) return true;
    return false;
  }, null, { timeout: 5000 });

  await page.fill('#f-id_number', '440305199003071236');
  await page.check('#f-sign_confirm');
  await Promise.all([page.waitForNavigation(), page.click('button.primary')]);
  assert.match(page.url(), /\/keys\/issues\/\d+\/print$/);
  assert.equal(await page.getAttribute('img[src^="data:image/png"]', 'src'), drawn, 'signed on the receipt');
  await page.context().close();
});

/** Yesterday's date in Shanghai as a date field holds it (a register filed late). */
function yesterday() {
  return new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' })
    .format(new Date(Date.now() - 86400000));
}

test('a register filed late says so, and the next one starts empty and is filed too', async () => {
  const page = await newPage();
  await signIn(page, kefu.base, 'specialist');
  const register = async (name) => {
    await page.goto(`${kefu.base}/visits/new`);
    await page.fill('#f-day', yesterday());
    await page.fill('#f-start', '09:00');
    await page.fill('#f-end', '09:20');
    await page.fill('#f-visitor_name', name);
    await page.fill('#f-matter', '咨询停车位月租');
    await Promise.all([page.waitForNavigation(), page.click('button.primary')]);
  };
  await register('孙先生');
  const first = page.url();
  assert.match(first, /\/visits\/\d+$/);
  assert.ok((await page.textContent('.flash-warn')).includes('迟登记'), 'filed, with a warning');

  await page.goto(`${kefu.base}/visits/new`);
  assert.equal(await page.inputValue('#f-visitor_name'), '', 'the filed register left no draft');
  assert.equal(await page.locator('.draft-note').count(), 0);

  await register('周女士');
  assert.match(page.url(), /\/visits\/\d+$/);
  assert.notEqual(page.url(), first, 'a second register, not the first one again');
  assert.ok((await page.textContent('.details')).includes('周女士'));
  const filed = sqlValue('kefu_browser_journeys',
    "SELECT count(*) FROM visits WHERE visitor_name IN ('孙先生', '周女士')");
  assert.equal(filed, '2');
  await page.context().close();
});

/** A breach of `clause` by 员工 赵磊 the supervisor records; its page's address. */
async function recordBreach(clause, details) {
  const supervisor = await newPage();
  await signIn(supervisor, kefu.base, 'supervisor');
  await supervisor.goto(`${kefu.base}/violations/new`);
  await supervisor.selectOption('#f-employee', { label: '员工 赵磊' });
  await supervisor.selectOption('#f-clause', clause);
  await supervisor.fill('#f-details', details);
  await Promise.all([supervisor.waitForNavigation(), supervisor.click('button.primary')]);
  const breach = supervisor.url();
  assert.match(breach, /\/violations\/\d+$/);
  await supervisor.context().close();
  return breach;
}

test('Enter in the fine of a breach confirms it, never dismisses it', async () => {
  const breach = await recordBreach('办公环境管理规定 3', '下班未关电脑');

  const manager = await newPage();
  await signIn(manager, kefu.base, 'manager');
  await manager.goto(breach);
  await manager.fill('#f-note', '已核实');
  await manager.fill('#f-fine', '20');
  await Promise.all([manager.waitForNavigation(), manager.press('#f-fine', 'Enter')]);

  assert.equal(await manager.textContent('#violation-status'), '已确认');
  const id = breach.split('/').pop();
  assert.equal(sqlValue('kefu_browser_journeys',
    `SELECT status || ' ' || fine_fen FROM violations WHERE id = ${id}`), 'confirmed 2000');
  await manager.context().close();
});

test('a double click on Confirm confirms the breach once and says so', async () => {
  const breach = await recordBreach('日常管理 1(9)', '上班时间看小说');

  const manager = await newPage();
  await signIn(manager, kefu.base, 'manager');
  await manager.goto(breach);
  let sent = 0;
  manager.on('request', (r) => {
    if (r.method() === 'POST' && r.url().endsWith('/decide')) sent++;
  });
  // The answer takes a moment, as on a busy day: a person clicks again meanwhile.
  await manager.route('**/decide', async (route) => {
    await new Promise((r) => setTimeout(r, 400));
    // A request the browser gave up on meanwhile is not continued.
    await route.continue().catch(() => {});
  });
  const box = await manager.locator('button[value="confirm"]').boundingBox();
  const [x, y] = [box.x + box.width / 2, box.y + box.height / 2];
  await manager.mouse.click(x, y);
  await new Promise((r) => setTimeout(r, 150));
  await manager.mouse.click(x, y);
  await manager.waitForSelector('.flash');
  assert.equal(sent, 1, 'the second click sent nothing');
  assert.equal(await manager.textContent('#violation-status'), '已确认');
  assert.ok((await manager.textContent('.flash-ok')).includes('已确认处罚'), 'what the click did');
  assert.equal(await manager.locator('.flash-error').count(), 0, 'not "decided already"');
  await manager.context().close();
});
