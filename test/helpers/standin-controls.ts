import type { Server } from 'node:http';

/** A callback a stand-in vendor POSTed to the gateway, with the gateway's status (or 'error' when it could not be reached). */
export interface StandinCallback {
  readonly body: Record<string, unknown>;
  readonly status: number | 'error';
}

/** How a stand-in sends an answer it has made: at once, or (a benchmark's network) after a round trip. */
export type AnswerAfter = (send: () => void) => void;
const answerNow: AnswerAfter = (send) => send();

/**
 * What the REST stand-ins share: answers that can be held back (a call handled but not yet answered,
 * to kill the gateway with calls in flight), and the vendor's callbacks to the gateway, recorded and
 * optionally held until the gateway listens.
 */
export function standinControls(options: { readonly answerAfter?: AnswerAfter } = {}) {
  const answerAfter = options.answerAfter ?? answerNow;
  let holding = false;
  const held: (() => void)[] = [];
  let callbacksHeld = false;
  const heldCallbacks: (() => void)[] = [];
  const callbacks: StandinCallback[] = [];
  const pending = new Set<Promise<void>>();
  const releaseAnswers = () => {
    holding = false;
    for (const answer of held.splice(0)) answer();
  };

  return {
    /** Sends an answer now, or when `release` is called while answers are held. */
    answer(send: () => void): void {
      if (holding) held.push(send);
      else answerAfter(send);
    },
    /** POSTs a callback to the gateway (now, or once callbacks are released) and records its status. */
    callback(url: string, init: { headers: Record<string, string>; body: string }, body: Record<string, unknown>): void {
      const send = () => {
        const delivery = fetch(url, { method: 'POST', ...init })
          .then(async (res) => {
            await res.arrayBuffer();
            callbacks.push({ body, status: res.status });
          })
          .catch(() => {
            callbacks.push({ body, status: 'error' });
          })
          .finally(() => pending.delete(delivery));
        pending.add(delivery);
      };
      if (callbacksHeld) heldCallbacks.push(send);
      else send();
    },
    /** Closes the stand-in's server once held answers are sent and callbacks have settled. */
    async close(server: Server): Promise<void> {
      releaseAnswers();
      await Promise.all([...pending]);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
    /** The controls a test uses. */
    api: {
      callbacks,
      /** From now on every call is handled (a valid one accepted) but its answer is held back. */
      hold(): void {
        holding = true;
      },
      held: () => held.length,
      release: releaseAnswers,
      /**
       * Callbacks wait until `releaseCallbacks` (a gateway started on a spool that already holds events
       * relays them before its callback port listens; the vendor's copy must find it listening).
       */
      holdCallbacks(): void {
        callbacksHeld = true;
      },
      releaseCallbacks(): void {
        callbacksHeld = false;
        for (const send of heldCallbacks.splice(0)) send();
      },
      async callbacksSettled(): Promise<void> {
        while (pending.size > 0) await Promise.all([...pending]);
      },
    },
  };
}
