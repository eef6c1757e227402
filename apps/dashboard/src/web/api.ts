/** Fetch helpers that add the token when one is set, and the types of what the API returns. */

// The response types are the API's own (packages/queue/src/views.ts), imported as types only:
// nothing of @gridfold/queue reaches the browser bundle.
export type {
  CvResults,
  CvResultsPage,
  ExperimentCreated,
  ExperimentDetail,
  ExperimentEvent,
  ExperimentList,
  ExperimentListEvent,
  ExperimentListItem,
  ExperimentResult,
  ExperimentStatus,
  HeatmapGrid,
  HeatmapView,
  LearningCurve,
  Progress,
  TaskRef,
} from '@gridfold/queue';

/** An API error: the message, the HTTP status and (for a bad spec) the issues by field. */
export class ApiError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly issues: Array<{ path: string; message: string }> = [],
  ) {
    super(message);
  }
}

const TOKEN_KEY = 'gridfold-token';

/** The token typed into the header field (kept in this browser's localStorage). */
export function getToken(): string {
  return localStorage.getItem(TOKEN_KEY) ?? '';
}

/** Reopeners of the open event streams: after a new token, each one the API had refused opens again. */
const streams = new Set<() => void>();
let sessionAt = 0;

/**
 * Trades the token for the API's read-only session cookie (`POST /api/session`, one hour),
 * which EventSource and `<img>` send on their own: neither can send an Authorization header.
 * Skipped without a token, and within a minute of the last renewal unless `force`.
 */
export async function renewSession(force = false): Promise<void> {
  const token = getToken();
  if (!token || (!force && Date.now() - sessionAt < 60_000)) return;
  sessionAt = Date.now();
  await fetch('/api/session', { method: 'POST', headers: { authorization: `Bearer ${token}` } }).catch(() => undefined);
}

/** Remembers the token (or forgets it, and the session cookie, when empty), then reopens the streams it lets through. */
export async function setToken(token: string): Promise<void> {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
  if (token) await renewSession(true);
  else await fetch('/api/session', { method: 'DELETE' }).catch(() => undefined);
  for (const reopen of streams) reopen();
}

/** fetch + JSON; non-2xx becomes an {@link ApiError} with the API's message and issues. */
export async function api<T>(path: string, init: { method?: string; body?: unknown } = {}): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (init.body !== undefined) headers['content-type'] = 'application/json';
  const token = getToken();
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(path, { method: init.method ?? 'GET', headers, body: init.body === undefined ? undefined : typeof init.body === 'string' ? init.body : JSON.stringify(init.body) });
  const text = await res.text();
  let data: unknown = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = { error: text };
  }
  if (!res.ok) {
    const d = (data ?? {}) as { error?: string; issues?: Array<{ path: string; message: string }> };
    throw new ApiError(d.error ?? `HTTP ${res.status}`, res.status, d.issues ?? []);
  }
  return data as T;
}

/** State of an event stream: connected, reconnecting after a drop, or closed for good (e.g. a 404). */
export type StreamState = 'open' | 'reconnecting' | 'closed';

/**
 * Subscribes to a server-sent event stream; each handler gets the parsed data of its event.
 * The session cookie is renewed first (the stream needs it when the API has a token).
 * EventSource reconnects by itself after a drop; a stream the API refused (401) opens again
 * when a token is entered; the returned function closes the stream.
 */
export function subscribe(path: string, handlers: Record<string, (data: never) => void>, onState?: (state: StreamState) => void): () => void {
  let source: EventSource | null = null;
  let stopped = false;
  const open = () => {
    source?.close();
    const s = (source = new EventSource(path));
    for (const [event, handle] of Object.entries(handlers)) {
      s.addEventListener(event, (e) => handle(JSON.parse((e as MessageEvent<string>).data) as never));
    }
    s.addEventListener('open', () => onState?.('open'));
    s.addEventListener('error', () => onState?.(s.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'));
  };
  const reopen = () => source?.readyState === EventSource.CLOSED && open();
  streams.add(reopen);
  void renewSession().then(() => !stopped && open());
  return () => {
    stopped = true;
    streams.delete(reopen);
    source?.close();
  };
}
