/** Fetch helpers that add the token when one is set, and the types of what the API returns. */

// The response types are the API's own (packages/queue/src/views.ts), imported as types only:
// nothing of @gridfold/queue reaches the browser bundle.
export type {
  CvResults,
  ExperimentCreated,
  ExperimentDetail,
  ExperimentEvent,
  ExperimentList,
  ExperimentListEvent,
  ExperimentListItem,
  ExperimentResult,
  ExperimentStatus,
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

/** Remembers the token, or forgets it when empty. */
export function setToken(token: string): void {
  if (token) localStorage.setItem(TOKEN_KEY, token);
  else localStorage.removeItem(TOKEN_KEY);
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
 * EventSource reconnects by itself after a drop; the returned function closes the stream.
 */
export function subscribe(path: string, handlers: Record<string, (data: never) => void>, onState?: (state: StreamState) => void): () => void {
  const source = new EventSource(path);
  for (const [event, handle] of Object.entries(handlers)) {
    source.addEventListener(event, (e) => handle(JSON.parse((e as MessageEvent<string>).data) as never));
  }
  source.addEventListener('open', () => onState?.('open'));
  source.addEventListener('error', () => onState?.(source.readyState === EventSource.CLOSED ? 'closed' : 'reconnecting'));
  return () => source.close();
}
