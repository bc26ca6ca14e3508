// The React side of the tab's one realtime stream (lib/realtime.ts): a page names the
// topics it shows and what to do on an event; the hook answers whether the stream is
// connected now, so that a page's "live" sign tells the truth.
import { useEffect, useRef, useState } from 'react';
import { authFetch } from '../api/client';
import { onSessionChange, readSession } from '../api/session';
import { LiveChannel, type LiveEvent, type LiveStatus } from './realtime';

let channel: LiveChannel | null = null;

function shared(): LiveChannel {
  channel ??= new LiveChannel({
    fetch: authFetch,
    token: () => readSession()?.access_token ?? null,
    onSession: (cb) => onSessionChange(() => cb()),
    setTimeout: (fn, ms) => window.setTimeout(fn, ms),
    clearTimeout: (h) => window.clearTimeout(h as number),
    origin: window.location.origin,
  });
  return channel;
}

/** Hear `topics` (`user`, `library:<id>`, `group:<id>`) while mounted; `onEvent` gets
 * their events and `resync` after any gap. Empty topics subscribe to nothing. */
export function useLiveEvents(topics: readonly string[], onEvent: (e: LiveEvent) => void): LiveStatus {
  const live = shared();
  const [status, setStatus] = useState<LiveStatus>(live.status);
  const handler = useRef(onEvent);
  handler.current = onEvent;
  const key = [...topics].sort().join(',');
  useEffect(() => live.onStatus(setStatus), [live]);
  useEffect(() => {
    if (!key) return undefined;
    setStatus(live.status);
    return live.subscribe(key.split(','), (e) => handler.current(e));
  }, [live, key]);
  return status;
}
