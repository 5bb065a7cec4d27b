import { useEffect, useRef } from 'react';
import { useNavigation, useRevalidator } from '@remix-run/react';

/**
 * Reloads the page's loader data when the live channel (Postgres NOTIFY → SSE at
 * /api/events) carries an event of `topic` that `accept` keeps (all when omitted).
 * Bursts are coalesced into one reload at most every `everyMs`, so what the page shows
 * always comes from the server's view rather than from the event payloads. A reload
 * waits while a navigation or submission is under way: started during an action's own
 * reload it would drop the action's answer (React Router keeps it for that reload only).
 */
export function useLiveRevalidate(topic: string, options: { enabled?: boolean; accept?: (data: Record<string, unknown>) => boolean; key?: string; everyMs?: number } = {}) {
  const { enabled = true, accept, key = '*', everyMs = 300 } = options;
  const { revalidate, state } = useRevalidator();
  const pending = useRef(false);
  const navigation = useNavigation();
  const busy = useRef(false);
  busy.current = navigation.state !== 'idle';
  const acceptRef = useRef(accept);
  acceptRef.current = accept;
  useEffect(() => {
    if (!enabled || typeof EventSource === 'undefined') return;
    const source = new EventSource(`/api/events?topic=${encodeURIComponent(topic)}`);
    source.addEventListener(topic, (event) => {
      try {
        const body = JSON.parse((event as MessageEvent<string>).data) as Record<string, unknown>;
        if (acceptRef.current && !acceptRef.current(body)) return;
        pending.current = true;
      } catch {
        /* a malformed event is ignored */
      }
    });
    const timer = setInterval(() => {
      if (pending.current && !busy.current) {
        pending.current = false;
        revalidate();
      }
    }, everyMs);
    return () => {
      clearInterval(timer);
      source.close();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [topic, key, enabled, everyMs]);
  return state;
}
