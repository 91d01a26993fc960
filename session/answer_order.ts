/**
 * `AnswerOrder`: one connection's queries in flight, capped, with their answers sent in the
 * order of the queries.
 *
 * IPC peers (rayforce-py, `hopen`, our client) match answers to queries by their order:
 * the protocol has no ids. The worker pool keeps a connection's order, but a refusal (the
 * connection's cap, the memory watermark) is decided at once and must not overtake the
 * answers still being computed, so every answer takes a ticket when its query arrives and
 * leaves when the tickets before it have. Refusals that wait are bounded too: a peer that
 * keeps sending while its queries run is told to go away (`admit` says `"flood"`).
 *
 * @example
 * ```ts
 * import { AnswerOrder } from "./answer_order.ts";
 * const sent: string[] = [];
 * const order = new AnswerOrder<string>({ maxInFlight: 1, send: (a) => sent.push(a) });
 * const first = order.admit((why) => why);  // a ticket: the query may run
 * order.admit((why) => why);                 // "refused": answered after the first
 * if (typeof first === "number") order.finish(first, "3");
 * if (sent[0] !== "3" || !sent[1].startsWith("server busy")) throw new Error("out of order");
 * ```
 *
 * @module
 */

/** Refusals one connection may have waiting for earlier answers (each a small frame). */
export const HELD_REFUSALS = 4096;

/**
 * The message of a query refused on a connection with `running` queries in flight of
 * `limit`; every entry point (WebSocket, TCP IPC, `/events`) says it alike.
 */
export function busyMessage(running: number, limit: number): string {
  return `server busy: ${running} queries in flight on this connection (limit ${limit})`;
}

/** Options of {@link AnswerOrder}. */
export interface AnswerOrderOptions<A> {
  /** Queries that may run at once. */
  maxInFlight: number;
  /** Answers that may wait for earlier ones without a query running (refusals). Default 4,096. */
  maxHeld?: number;
  /** Sends one answer to the peer. */
  send(answer: A): void;
}

/** Tickets for a connection's answers; see the module doc. */
export class AnswerOrder<A> {
  readonly #options: AnswerOrderOptions<A>;
  #next = 0;
  #sent = 0;
  #running = 0;
  readonly #held = new Map<number, A | null | (() => A | null)>();

  /** An empty order. */
  constructor(options: AnswerOrderOptions<A>) {
    this.#options = options;
  }

  /**
   * A query arrives: its ticket when it may run; else it is answered in its place with
   * `refusal(busyMessage(...))` and this says `"refused"`, or `"flood"` when too many
   * refusals wait already (nothing is queued then: the caller should close the connection).
   */
  admit(refusal: (message: string) => A | null): number | "refused" | "flood" {
    const limit = this.#options.maxInFlight;
    if (this.#running < limit) {
      this.#running++;
      return this.#next++;
    }
    if (this.#held.size >= (this.#options.maxHeld ?? HELD_REFUSALS)) return "flood";
    this.#deliver(this.#next++, refusal(busyMessage(this.#running, limit)));
    return "refused";
  }

  /**
   * The query of `ticket` (from `admit`) is answered (`null`: nothing to send, an async
   * message). A function is called for the answer when its turn comes, once every earlier
   * answer is sent (a live-table subscription takes its snapshot then).
   */
  finish(ticket: number, answer: A | null | (() => A | null)): void {
    this.#running--;
    this.#deliver(ticket, answer);
  }

  #deliver(ticket: number, answer: A | null | (() => A | null)): void {
    if (ticket !== this.#sent) {
      this.#held.set(ticket, answer);
      return;
    }
    this.#sent++;
    this.#send(answer);
    while (this.#held.has(this.#sent)) {
      const next = this.#held.get(this.#sent)!;
      this.#held.delete(this.#sent++);
      this.#send(next);
    }
  }

  #send(answer: A | null | (() => A | null)): void {
    const a = typeof answer === "function" ? (answer as () => A | null)() : answer;
    if (a !== null) this.#options.send(a);
  }
}
