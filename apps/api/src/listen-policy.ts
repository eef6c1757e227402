/** Why the API will not listen where it was asked to. */
export class ListenRefusedError extends Error {
  override name = 'ListenRefusedError';
}

/** Where the API is asked to listen, and with what protection. */
export interface ListenSettings {
  host: string;
  token?: string;
  /** Listen beyond loopback without a token anyway. `--insecure` / `GRIDFOLD_INSECURE`. */
  insecure?: boolean;
}

/** Whether `host` is a loopback interface: `localhost`, 127.0.0.0/8 or `::1`. */
export function isLoopbackHost(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}

/**
 * Refuses to listen beyond loopback without a token: anyone who reaches the port could read
 * every experiment, run code on the workers (a spec names a plugin) and use Bull Board's
 * actions. With `insecure` it returns the warning to log loudly instead; otherwise null.
 * @throws ListenRefusedError naming the host and both ways out, on one line.
 */
export function checkListen({ host, token, insecure }: ListenSettings): string | null {
  if (token || isLoopbackHost(host)) return null;
  const risk = 'anyone who reaches it can read every experiment, run code on the workers and use Bull Board\'s actions';
  if (!insecure) throw new ListenRefusedError(`refusing to listen on ${host} without a token: ${risk}. Set GRIDFOLD_TOKEN, listen on 127.0.0.1, or pass --insecure (GRIDFOLD_INSECURE=true) to accept that`);
  return `INSECURE: the API listens on ${host} without a token (--insecure): ${risk}`;
}
