// Which links the crawls follow.

/**
 * A link worth following, as path and query: same origin, a page (not a static
 * file, an export or a download), not a language switch or sign-out. `null` otherwise.
 */
export function follow(base, href) {
  let u;
  try {
    u = new URL(href, base);
  } catch {
    return null;
  }
  if (u.origin !== base || u.pathname.startsWith('/static/')) return null;
  if (u.searchParams.has('lang') || u.pathname === '/logout') return null;
  if (/\.(csv|xlsx|pdf)$/.test(u.pathname) || /\/(export|download)\b/.test(u.pathname)) return null;
  u.hash = '';
  return u.pathname + u.search;
}
