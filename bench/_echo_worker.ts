/** Benchmark helper: a worker that sends every message straight back (transferring buffers). */
const scope = self as unknown as {
  onmessage: (e: MessageEvent) => void;
  postMessage: (m: unknown, t: Transferable[]) => void;
};
scope.onmessage = (e: MessageEvent) => {
  const frame = e.data as ArrayBuffer;
  scope.postMessage(frame, [frame]);
};
