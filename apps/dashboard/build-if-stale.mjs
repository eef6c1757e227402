// Builds the dashboard into dist/ when dist/ is missing or older than a source file; run by
// this workspace's postinstall, so a plain `npm install` leaves a servable dashboard, and by
// `npm start` (root prestart), so edited sources are rebuilt before serving.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('.', import.meta.url));
const stamp = join(root, 'dist', 'index.html');

function newestMtime(path) {
  const s = statSync(path);
  if (!s.isDirectory()) return s.mtimeMs;
  return Math.max(0, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

// The launch form bundles the seed specs of experiments/, the benchmarks page bench/results/.
const sources = ['index.html', 'vite.config.ts', 'src', '../../experiments', '../../bench/results'].map((p) => join(root, p)).filter((p) => existsSync(p));
if (existsSync(stamp) && statSync(stamp).mtimeMs >= Math.max(...sources.map(newestMtime))) {
  console.error('gridfold dashboard: dist/ is up to date');
} else {
  const { build } = await import('vite');
  await build({ root, configFile: join(root, 'vite.config.ts'), logLevel: 'warn' });
  console.error('gridfold dashboard: built into apps/dashboard/dist');
}
