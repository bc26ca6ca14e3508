// @vitest-environment node
// (Node's own fetch classes: a Request with an AbortSignal, a streaming Response body.)
import { describe, expect, it } from 'vitest';
import { backoffMs, LiveChannel, SseParser, topicsOf, type Deps, type LiveEvent } from './realtime';

describe('SseParser', () => {
  it('frames events split anywhere across chunks, with ids, names and CRLF', () => {
    const p = new SseParser();
    const text = 'retry: 3000\r\n\r\n: heartbeat\r\n\r\nid: 7\r\nevent: inbox_message\r\ndata: {"a":1}\r\n\r\nevent: seat_changed\ndata: {"b":2}\n\n';
    const got = [];
    // one character at a time: the worst a network can do
    for (const ch of text) got.push(...p.push(ch));
    expect(got).toEqual([
      { id: '7', event: 'inbox_message', data: '{"a":1}' },
      { id: undefined, event: 'seat_changed', data: '{"b":2}' },
    ]);
  });
  it('joins data lines, accepts a bare CR, and dispatches nothing without data', () => {
    const p = new SseParser();
    expect(p.push('event: x\n\n')).toEqual([]);
    expect(p.push('data:one\rdata: two\r\r')).toEqual([{ id: undefined, event: 'message', data: 'one\ntwo' }]);
  });
  it('waits for the blank line before dispatching', () => {
    const p = new SseParser();
    expect(p.push('event: end\ndata: {"reason":"slow"}\n')).toEqual([]);
    expect(p.push('\n')).toEqual([{ id: undefined, event: 'end', data: '{"reason":"slow"}' }]);
  });
});

describe('topicsOf and backoff', () => {
  it('names the library, group and user topics an event concerns', () => {
    expect(topicsOf({ event: 'seat_changed', data: { library_id: 'L' } })).toEqual(['library:L']);
    expect(topicsOf({ event: 'post_created', data: { library_id: 'L', group_id: 'G' } })).toEqual(['library:L', 'group:G']);
    expect(topicsOf({ event: 'inbox_message', data: { library_id: 'L' } })).toEqual(['library:L', 'user']);
  });
  it('doubles from 1 s to at most 30 s, with at most a fifth of jitter', () => {
    expect([0, 1, 2, 3, 10].map((n) => backoffMs(n, () => 0))).toEqual([1000, 2000, 4000, 8000, 30000]);
    expect(backoffMs(0, () => 0.999)).toBeLessThanOrEqual(1200);
  });
});

/** A server whose streams the test writes to and ends. */
class FakeServer {
  requests: Request[] = [];
  streams: ReadableStreamDefaultController<Uint8Array>[] = [];
  answer: () => Response | null = () => null;
  fetch = async (req: Request): Promise<Response> => {
    this.requests.push(req);
    const given = this.answer();
    if (given) return given;
    let ctl!: ReadableStreamDefaultController<Uint8Array>;
    const body = new ReadableStream<Uint8Array>({ start: (c) => void (ctl = c) });
    req.signal.addEventListener('abort', () => ctl.error(new Error('aborted')));
    this.streams.push(ctl);
    return new Response(body, { status: 200, headers: { 'content-type': 'text/event-stream' } });
  };
  send(text: string, n = this.streams.length - 1) {
    this.streams[n]!.enqueue(new TextEncoder().encode(text));
  }
}

function harness() {
  const server = new FakeServer();
  const timers: { fn: () => void; ms: number; id: number }[] = [];
  let token: string | null = 'token-1';
  const sessionCbs: (() => void)[] = [];
  let nextId = 0;
  const deps: Deps = {
    fetch: server.fetch,
    token: () => token,
    onSession: (cb) => {
      sessionCbs.push(cb);
      return () => {};
    },
    setTimeout: (fn, ms) => {
      nextId += 1;
      timers.push({ fn, ms, id: nextId });
      return nextId;
    },
    clearTimeout: (id) => {
      const i = timers.findIndex((t) => t.id === id);
      if (i >= 0) timers.splice(i, 1);
    },
    random: () => 0,
    origin: 'http://console.test',
  };
  const channel = new LiveChannel(deps);
  const settle = () => new Promise((r) => setTimeout(r, 5));
  return {
    server,
    channel,
    timers,
    /** Fire the next pending timer; its delay. */
    async tick(): Promise<number> {
      const t = timers.shift();
      if (!t) throw new Error('no timer pending');
      t.fn();
      await settle();
      return t.ms;
    },
    settle,
    setToken(t: string | null) {
      token = t;
      for (const cb of sessionCbs) cb();
    },
  };
}

describe('LiveChannel', () => {
  it('opens one stream for the union of the topics and hands each page its own events', async () => {
    const h = harness();
    const seats: LiveEvent[] = [];
    const groups: LiveEvent[] = [];
    h.channel.subscribe(['library:L1'], (e) => seats.push(e));
    h.channel.subscribe(['group:G1'], (e) => groups.push(e));
    await h.tick();
    expect(h.server.requests).toHaveLength(1);
    const url = new URL(h.server.requests[0]!.url);
    expect(url.pathname).toBe('/api/v1/events/stream');
    expect(url.searchParams.get('topics')).toBe('group:G1,library:L1');
    expect(h.channel.status).toBe('open');
    h.server.send('event: seat_changed\ndata: {"library_id":"L1","seat_id":"S"}\n\n');
    h.server.send('id: 5\nevent: post_created\ndata: {"library_id":"L9","group_id":"G1"}\n\n');
    await h.settle();
    expect(seats.map((e) => e.event)).toEqual(['seat_changed']);
    expect(groups.map((e) => [e.event, e.id])).toEqual([['post_created', '5']]);
  });

  it('reconnects after a drop with Last-Event-ID and backoff, and asks the pages to read again', async () => {
    const h = harness();
    const got: string[] = [];
    h.channel.subscribe(['library:L1'], (e) => got.push(e.event));
    await h.tick();
    h.server.send('id: 41\nevent: inbox_message\ndata: {"library_id":"L1"}\n\n');
    await h.settle();
    h.server.streams[0]!.error(new Error('network down'));
    await h.settle();
    expect(h.channel.status).toBe('offline');
    expect(await h.tick()).toBe(1000);
    expect(h.server.requests).toHaveLength(2);
    expect(h.server.requests[1]!.headers.get('last-event-id')).toBe('41');
    expect(h.channel.status).toBe('open');
    expect(got).toEqual(['inbox_message', 'resync']);
  });

  it('backs off longer while the server refuses, and honours Retry-After', async () => {
    const h = harness();
    h.channel.subscribe(['library:L1'], () => {});
    h.server.answer = () => new Response('{}', { status: 503 });
    await h.tick();
    expect(h.channel.status).toBe('offline');
    expect(await h.tick()).toBe(1000);
    expect(await h.tick()).toBe(2000);
    h.server.answer = () => new Response('{}', { status: 429, headers: { 'retry-after': '5' } });
    expect(await h.tick()).toBe(4000);
    expect(h.timers[0]!.ms).toBe(5000);
    h.server.answer = () => null;
    await h.tick();
    expect(h.channel.status).toBe('open');
  });

  it("comes back at once after the server's end, and a reset asks the pages to reload", async () => {
    const h = harness();
    const got: string[] = [];
    h.channel.subscribe(['library:L1'], (e) => got.push(e.event));
    await h.tick();
    h.server.send('id: 3\nevent: inbox_message\ndata: {"library_id":"L1"}\n\nevent: end\ndata: {"reason":"max_lifetime"}\n\n');
    await h.settle();
    expect(await h.tick()).toBe(0);
    expect(h.server.requests[1]!.headers.get('last-event-id')).toBe('3');
    h.server.send('event: reset\ndata: {}\n\n');
    await h.settle();
    expect(got).toEqual(['inbox_message', 'resync', 'resync']);
  });

  it('reconnects with the new token after a session refresh, and stops on logout', async () => {
    const h = harness();
    h.channel.subscribe(['library:L1'], () => {});
    await h.tick();
    h.setToken('token-2');
    await h.tick();
    expect(h.server.requests).toHaveLength(2);
    expect(h.server.requests[0]!.signal.aborted).toBe(true);
    h.setToken(null);
    await h.settle();
    expect(h.server.requests[1]!.signal.aborted).toBe(true);
    expect(h.channel.status).toBe('offline');
    expect(h.timers).toHaveLength(0);
    expect(h.channel.lastEventId).toBeUndefined();
  });

  it('closes the stream when the last page leaves', async () => {
    const h = harness();
    const leave = h.channel.subscribe(['library:L1'], () => {});
    await h.tick();
    leave();
    await h.tick();
    expect(h.server.requests[0]!.signal.aborted).toBe(true);
    expect(h.channel.status).toBe('offline');
  });
});
