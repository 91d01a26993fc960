/**
 * `AnswerOrder`: one connection's queries in flight, capped, with their answers sent in the
 * order of the queries.
 *
 * IPC peers (rayforce-py, `hopen`, our client) match answers to queries by their order:
 * the protocol has no ids. The worker pool keeps a connection's order, but a refusal (the
 * connection's cap, the memory watermark) is decided at once and must not overtake the
 * answers still being computed, so every answer takes a ticket when its query arrives and
 * leaves when the tickets before it have. Refusals that wait are bounded too: a peer that
 * keeps sending while its queries run is told to go away (`refuse` returns false).
 *
 * @example
 * ```ts
 * import { AnswerOrder } from "./answer_order.ts";
 * const sent: string[] = [];
 * const order = new AnswerOrder<string>({ maxInFlight: 1, maxHeld: 8, send: (a) => sent.push(a) });
 * const first = order.begin()!;  // a ticket: the query may run
 * order.begin();                 // undefined: over the cap of 1
 * order.refuse("busy");          // waits for the first answer
 * order.finish(first, "3");
 * if (sent.join() !== "3,busy") throw new Error("out of order");
 * ```
 *
 * @module
 */

/** Options of {@link AnswerOrder}. */
export interface AnswerOrderOptions<A> {
  /** Queries that may run at once. */
  maxInFlight: number;
  /** Answers that may wait for earlier ones without a query running (refusals). */
  maxHeld: number;
  /** Sends one answer to the peer. */
  send(answer: A): void;
}

/** Tickets for a connection's answers; see the module doc. */
export class AnswerOrder<A> {
  readonly #options: AnswerOrderOptions<A>;
  #next = 0;
  #sent = 0;
  #running = 0;
  readonly #held = new Map<number, A | null>();

  /** An empty order. */
  constructor(options: AnswerOrderOptions<A>) {
    this.#options = options;
  }

  /** Queries running (taken with `begin`, not finished). */
  get inFlight(): number {
    return this.#running;
  }

  /** A ticket for a query that may run, or undefined when `maxInFlight` run already. */
  begin(): number | undefined {
    if (this.#running >= this.#options.maxInFlight) return undefined;
    this.#running++;
    return this.#next++;
  }

  /** The query of `ticket` is answered (`null`: nothing to send, an async message). */
  finish(ticket: number, answer: A | null): void {
    this.#running--;
    this.#deliver(ticket, answer);
  }

  /**
   * Answers a query that did not run (`null`: nothing to send), after the answers ahead of
   * it. False (and nothing
   * queued) when `maxHeld` answers wait already: the caller should close the connection.
   */
  refuse(answer: A | null): boolean {
    if (this.#held.size >= this.#options.maxHeld) return false;
    this.#deliver(this.#next++, answer);
    return true;
  }

  #deliver(ticket: number, answer: A | null): void {
    if (ticket !== this.#sent) {
      this.#held.set(ticket, answer);
      return;
    }
    this.#sent++;
    if (answer !== null) this.#options.send(answer);
    while (this.#held.has(this.#sent)) {
      const next = this.#held.get(this.#sent)!;
      this.#held.delete(this.#sent++);
      if (next !== null) this.#options.send(next);
    }
  }
}
