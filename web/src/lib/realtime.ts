// The console's side of the realtime channel (`GET /api/v1/events/stream`,
// docs/realtime.md): ONE stream per tab carrying the union of the topics the open
// pages ask for, read with fetch streaming rather than EventSource. fetch sends the
// bearer header through the API client's token handling (a 401 refreshes once, a
// failed refresh ends the session), and `Last-Event-ID` as a header, so neither a
// ticket nor a token ever goes in a URL. The parser and the reconnect logic are
// plain code with their collaborators passed in, so that vitest drives them.

/** One Server-Sent Event as the stream framed it. */
export interface SseEvent {
  id?: string;
  event: string;
  data: string;
}

/** Incremental `text/event-stream` parser (the WHATWG rules the console needs): lines
 * end in CRLF, LF or CR; a blank line dispatches; `data` lines join with `\n`; comment
 * lines (`: heartbeat`) and `retry:` are dropped; an event with no data is not
 * dispatched. Feed it chunks as they arrive; a frame split across chunks waits. */
export class SseParser {
  private buffer = '';
  private data: string[] = [];
  private event = '';
  private id: string | undefined;
  private pendingCR = false;

  push(chunk: string): SseEvent[] {
    let text = chunk;
    // A CR ending the previous chunk may be the first half of a CRLF.
    if (this.pendingCR && text.startsWith('\n')) text = text.slice(1);
    this.pendingCR = false;
    this.buffer += text;
    const out: SseEvent[] = [];
    for (;;) {
      const m = /\r\n|\n|\r/.exec(this.buffer);
      if (!m) break;
      if (m[0] === '\r' && m.index === this.buffer.length - 1) {
        this.pendingCR = true;
      }
      const line = this.buffer.slice(0, m.index);
      this.buffer = this.buffer.slice(m.index + m[0].length);
      const done = this.line(line);
      if (done) out.push(done);
    }
    return out;
  }

  private line(line: string): SseEvent | null {
    if (line === '') {
      const ready = this.data.length > 0 ? { id: this.id, event: this.event || 'message', data: this.data.join('\n') } : null;
      this.data = [];
      this.event = '';
      this.id = undefined;
      return ready;
    }
    if (line.startsWith(':')) return null;
    const colon = line.indexOf(':');
    const field = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') this.data.push(value);
    else if (field === 'event') this.event = value;
    else if (field === 'id' && !value.includes('\0')) this.id = value;
    return null;
  }
}

/** What a page is handed: a parsed event, or `resync` after a gap (a reconnect, or the
 * stream's `reset`), when whatever the page shows must be read again. */
export interface LiveEvent {
  event: string;
  id?: string;
  data: Record<string, unknown>;
}

/** `connecting` while a stream is being opened (first, after a drop, or for other topics). */
export type LiveStatus = 'connecting' | 'open' | 'offline';

/** The topics a stream event concerns, from its data: library and group events name
 * their library or group; an inbox message also reaches the student's own `user`. */
export function topicsOf(e: LiveEvent): string[] {
  const out: string[] = [];
  if (typeof e.data.library_id === 'string') out.push(`library:${e.data.library_id}`);
  if (typeof e.data.group_id === 'string') out.push(`group:${e.data.group_id}`);
  if (e.event === 'inbox_message' || e.event === 'notification') out.push('user');
  return out;
}

/** Backoff before reconnect attempt `n` (0-based): 1 s, 2 s, 4 s … 30 s, with up to
 * a fifth of jitter so that the tabs of a restarted server do not return at once. */
export function backoffMs(attempt: number, random: () => number = Math.random): number {
  const base = Math.min(30_000, 1_000 * 2 ** Math.min(attempt, 15));
  return Math.round(base * (1 + random() * 0.2));
}

export interface Deps {
  /** fetch with the session's token (the API client's `authFetch`). */
  fetch: (req: Request) => Promise<Response>;
  /** The access token now (a change of it reconnects: a refresh may bring other rights); null signed out. */
  token: () => string | null;
  /** Calls back on login, refresh and logout; returns the unsubscribe. */
  onSession: (cb: () => void) => () => void;
  setTimeout: (fn: () => void, ms: number) => unknown;
  clearTimeout: (handle: unknown) => void;
  random?: () => number;
  origin: string;
}

interface Subscriber {
  topics: readonly string[];
  onEvent: (e: LiveEvent) => void;
}

/** The tab's one stream. Subscribers come and go; the stream follows the union of
 * their topics, reconnects with backoff and `Last-Event-ID`, and stops on logout. */
export class LiveChannel {
  status: LiveStatus = 'offline';
  private subs = new Set<Subscriber>();
  private statusListeners = new Set<(s: LiveStatus) => void>();
  private controller: AbortController | null = null;
  private timer: unknown = null;
  private attempt = 0;
  private lastId: string | undefined;
  private topicsKey = '';
  private token: string | null = null;
  private everOpened = false;
  private unsession: (() => void) | null = null;

  constructor(private readonly deps: Deps) {}

  subscribe(topics: readonly string[], onEvent: (e: LiveEvent) => void): () => void {
    const sub = { topics, onEvent };
    this.subs.add(sub);
    this.unsession ??= this.deps.onSession(() => this.sessionChanged());
    this.schedule(0);
    return () => {
      this.subs.delete(sub);
      this.schedule(0);
    };
  }

  onStatus(cb: (s: LiveStatus) => void): () => void {
    this.statusListeners.add(cb);
    return () => this.statusListeners.delete(cb);
  }

  /** The last durable event id seen (for tests and for a reconnect). */
  get lastEventId(): string | undefined {
    return this.lastId;
  }

  /** Stop the stream and forget the position (logout: another user must not resume it). */
  close(): void {
    this.stop();
    this.lastId = undefined;
    this.everOpened = false;
    this.topicsKey = '';
    this.attempt = 0;
    this.setStatus('offline');
  }

  private wanted(): string {
    const all = new Set<string>();
    for (const s of this.subs) for (const t of s.topics) all.add(t);
    return [...all].sort().join(',');
  }

  private sessionChanged(): void {
    const token = this.deps.token();
    if (!token) {
      this.close();
      return;
    }
    if (token !== this.token) this.schedule(0, true);
  }

  /** Reconcile soon (coalescing the subscribes of one render): connect, change topics, or stop. */
  private schedule(ms: number, force = false): void {
    if (this.timer !== null) this.deps.clearTimeout(this.timer);
    this.timer = this.deps.setTimeout(() => {
      this.timer = null;
      const key = this.wanted();
      if (!key || !this.deps.token()) {
        this.stop();
        this.topicsKey = '';
        this.setStatus('offline');
        return;
      }
      if (!force && key === this.topicsKey && this.controller) return;
      this.connect(key);
    }, ms);
  }

  private stop(): void {
    if (this.timer !== null) this.deps.clearTimeout(this.timer);
    this.timer = null;
    this.controller?.abort();
    this.controller = null;
  }

  private setStatus(s: LiveStatus): void {
    if (s === this.status) return;
    this.status = s;
    for (const l of this.statusListeners) l(s);
  }

  private deliver(e: LiveEvent): void {
    const concerns = topicsOf(e);
    for (const s of [...this.subs]) {
      if (e.event === 'resync' || s.topics.some((t) => concerns.includes(t))) s.onEvent(e);
    }
  }

  private async connect(key: string): Promise<void> {
    this.controller?.abort();
    const controller = new AbortController();
    this.controller = controller;
    this.topicsKey = key;
    this.token = this.deps.token();
    this.setStatus('connecting');
    const url = new URL('/api/v1/events/stream', this.deps.origin);
    url.searchParams.set('topics', key);
    const headers: Record<string, string> = { accept: 'text/event-stream' };
    if (this.lastId) headers['last-event-id'] = this.lastId;
    let retryAfter: number | null = null;
    let endedByServer = false;
    try {
      const res = await this.deps.fetch(new Request(url, { headers, signal: controller.signal }));
      if (!res.ok || !res.body) {
        const ra = Number(res.headers.get('retry-after'));
        if (ra > 0) retryAfter = ra * 1000;
        throw new Error(`stream answered ${res.status}`);
      }
      this.attempt = 0;
      const gap = this.everOpened;
      this.everOpened = true;
      this.setStatus('open');
      // Anything may have happened while the stream was down: seat changes are never
      // replayed, so the pages read their state again.
      if (gap) this.deliver({ event: 'resync', data: {} });
      endedByServer = await this.read(res.body, controller);
    } catch {
      // network failure, refusal, or our own abort (handled below)
    }
    if (this.controller !== controller) return; // replaced or stopped: nothing to do
    this.controller = null;
    this.setStatus('offline');
    // The server's own `end` (lifetime, shutdown, slow client): back at once with the
    // last id, as docs/realtime.md asks; anything else waits its backoff.
    const delay = endedByServer ? 0 : (retryAfter ?? backoffMs(this.attempt, this.deps.random));
    if (!endedByServer) this.attempt += 1;
    this.schedule(delay, true);
  }

  /** Reads the stream to its end; true when the server said `end`. */
  private async read(body: ReadableStream<Uint8Array>, controller: AbortController): Promise<boolean> {
    const reader = body.getReader();
    const decoder = new TextDecoder();
    const parser = new SseParser();
    try {
      for (;;) {
        const { done, value } = await reader.read();
        if (done || controller.signal.aborted) return false;
        for (const raw of parser.push(decoder.decode(value, { stream: true }))) {
          if (raw.id) this.lastId = raw.id;
          if (raw.event === 'end') return true;
          let data: Record<string, unknown> = {};
          try {
            const parsed: unknown = JSON.parse(raw.data);
            if (parsed && typeof parsed === 'object') data = parsed as Record<string, unknown>;
          } catch {
            continue; // not JSON: not an event of this API
          }
          if (raw.event === 'reset') this.deliver({ event: 'resync', data: {} });
          else this.deliver({ event: raw.event, id: raw.id, data });
        }
      }
    } finally {
      reader.cancel().catch(() => {});
    }
  }
}
