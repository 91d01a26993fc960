/**
 * Test helper: a worker that ranks names in a shared {@link SymbolOrder}. Receives
 * `{buffers, names}` and answers each name's rank, in the order given.
 */
import { SymbolOrder, type SymbolOrderBuffers } from "../../worker/symbol_order.ts";

const scope = self as unknown as {
  onmessage: (e: MessageEvent) => void;
  postMessage: (m: unknown) => void;
};
scope.onmessage = (e: MessageEvent) => {
  const { buffers, names } = e.data as { buffers: SymbolOrderBuffers; names: string[] };
  const order = new SymbolOrder(buffers);
  const encoder = new TextEncoder();
  scope.postMessage(names.map((n) => order.rank(encoder.encode(n))));
};
