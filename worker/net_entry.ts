/**
 * The module the pool's network thread runs (see `net.ts`).
 *
 * @module
 */
import { startNet } from "./net.ts";

startNet(self as unknown as { onmessage: ((e: MessageEvent) => void) | null });
