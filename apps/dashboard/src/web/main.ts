import { getToken, renewSession, setToken } from './api.js';
import { benchPage } from './bench-page.js';
import { experimentPage } from './experiment-page.js';
import { listPage } from './list-page.js';
import './style.css';

const app = document.getElementById('app')!;
let stopPage: (() => void) | null = null;

/** Shows the page for the current path: `/` (list and launch form), `/experiments/:id`, `/bench` or `/bench/:name` (recorded benchmarks). */
function route(): void {
  stopPage?.();
  const match = /^\/experiments\/([^/]+)\/?$/.exec(location.pathname);
  const bench = /^\/bench(?:\/([^/]+))?\/?$/.exec(location.pathname);
  stopPage = match ? experimentPage(app, decodeURIComponent(match[1])) : bench ? benchPage(app, bench[1] === undefined ? null : decodeURIComponent(bench[1])) : listPage(app, navigate);
  window.scrollTo(0, 0);
}

function navigate(path: string): void {
  history.pushState(null, '', path);
  route();
}

// Links inside the app change pages without reloading; Bull Board and downloads load normally.
document.addEventListener('click', (e) => {
  const a = (e.target as Element).closest('a');
  if (!a || e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || a.hasAttribute('download')) return;
  const url = new URL(a.href, location.href);
  if (url.origin !== location.origin || !(url.pathname === '/' || url.pathname.startsWith('/experiments/') || url.pathname === '/bench' || url.pathname.startsWith('/bench/'))) return;
  e.preventDefault();
  navigate(url.pathname);
});
window.addEventListener('popstate', route);

const token = document.getElementById('token') as HTMLInputElement;
token.value = getToken();
token.addEventListener('change', () => void setToken(token.value.trim()));
// The session cookie lives an hour: renew it well before, so streams and images keep working.
setInterval(() => void renewSession(true), 20 * 60_000);

route();
