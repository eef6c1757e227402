import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Directory of the built dashboard (`vite build` output), served by the API at `/`. */
export const DASHBOARD_DIR = fileURLToPath(new URL('../dist', import.meta.url));

/** Whether a built dashboard is in `dir` (its index.html exists). */
export function isDashboardBuilt(dir: string = DASHBOARD_DIR): boolean {
  return existsSync(`${dir}/index.html`);
}
