/**
 * Test helper: a thread that echoes the records of one ring into another, sleeping in
 * `Ring.wait` with no time-out between them, so that a lost wake-up hangs it. An empty
 * record stops it.
 */
import { Ring } from "../../worker/ring.ts";

const scope = self as unknown as { onmessage: (e: MessageEvent) => void };
scope.onmessage = (e: MessageEvent) => {
  const { requests, answers } = e.data as {
    requests: SharedArrayBuffer;
    answers: SharedArrayBuffer;
  };
  const input = new Ring(requests), output = new Ring(answers);
  for (;;) {
    input.wait();
    for (let r; (r = input.read());) {
      if (r.length === 0) return;
      const record = r;
      while (!output.write(record.length, (bytes, at) => bytes.set(record, at))) input.wait(1);
    }
  }
};
