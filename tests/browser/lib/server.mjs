// Starts the real kefu binary on a fresh database for the browser tests.
import { spawn, execFileSync } from 'node:child_process';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import path from 'node:path';
import fs from 'node:fs';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const ARTEFACTS = path.join(ROOT, 'target', 'browser');
export const PASSWORD = 'kefu-demo';
/** Demo users by role, as `kefu seed-demo` makes them. */
export const ROLES = {
  admin: 'admin',
  archive_keeper: 'keeper',
  cs_supervisor: 'supervisor',
  center_manager: 'manager',
  engineering_manager: 'engineer',
  cs_specialist: 'specialist',
  employee: 'employee',
};

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

function databaseUrl(name) {
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('DATABASE_URL is not set (make test sets it up)');
  const u = new URL(base);
  const admin = base;
  u.pathname = `/${name}`;
  return { admin, url: u.toString() };
}

/** One value read from database `name`: for a test's set-up only (an id no page prints). */
export function sqlValue(name, query) {
  const { url } = databaseUrl(name);
  return execFileSync('psql', [url, '-tAc', query], { encoding: 'utf8' }).trim();
}

/** Drops and creates database `name`, seeds the demo data, serves. */
export async function startKefu(name) {
  const bin = path.join(ROOT, 'target', 'debug', 'kefu');
  if (!fs.existsSync(bin)) throw new Error(`${bin} is missing: run cargo build first`);
  const { admin, url } = databaseUrl(name);
  execFileSync('psql', [admin, '-q', '-c', `DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`], { stdio: 'pipe' });
  execFileSync('psql', [admin, '-q', '-c', `CREATE DATABASE "${name}"`], { stdio: 'pipe' });
  const port = await freePort();
  const env = {
    ...process.env,
    DATABASE_URL: url,
    BIND: `127.0.0.1:${port}`,
    BASE_URL: `http://127.0.0.1:${port}`,
    SESSION_KEY: 'browser-tests-session-key-0123456789abcdef',
    KEFU_DATA_KEY: 'browser-tests-data-key-0123456789abcdef',
    KEFU_WORKERS: '2',
    RUST_LOG: process.env.RUST_LOG || 'warn',
  };
  execFileSync(bin, ['seed-demo'], { env, stdio: 'pipe' });
  const child = spawn(bin, ['serve'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) return { base, stop: () => child.kill('SIGTERM') };
    } catch {
      // not up yet
    }
    if (child.exitCode !== null) throw new Error(`kefu exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('kefu did not answer /healthz within 20 s');
}

/** Debian's Chromium, headless, with the flags this closed network needs. */
export async function launchChromium() {
  const { chromium } = await import('playwright-core');
  const executablePath = process.env.CHROMIUM || '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) {
    throw new Error(`${executablePath} not found: apt-get install chromium (make test does it as root)`);
  }
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--disable-dev-shm-usage',
    ],
  });
}

/** Signs in through the form, as a person would. */
export async function signIn(page, base, username, password = PASSWORD) {
  await page.goto(`${base}/login`);
  await page.fill('#f-username', username);
  await page.fill('#f-password', password);
  await Promise.all([page.waitForNavigation(), page.click('button[type=submit]')]);
}
