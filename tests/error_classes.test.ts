/**
 * The exception classes of engine error codes (ipc/errors.ts): one per code, each declaring
 * its code, names derived from the one ErrorCode table.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import {
  ErrorCode,
  errorName,
  queryError,
  RayforceNameError,
  RayforceOptionError,
  RayforceQueryError,
  RayforceValueError,
} from "../ipc/mod.ts";

describe("error classes", () => {
  it("every code gets the class that declares it, its name and a message with the name", () => {
    for (const [key, code] of Object.entries(ErrorCode)) {
      if (code === ErrorCode.OK) continue;
      const e = queryError(code, "boom");
      assert.ok(e instanceof RayforceQueryError);
      assert.equal(e.code, code);
      assert.equal((e.constructor as { code?: number }).code, code, key);
      const name = code === ErrorCode.USER ? "" : key.toLowerCase();
      assert.equal(errorName(code), name);
      assert.equal(e.message, name ? `${name}: boom` : "boom");
    }
    assert.equal(errorName(99), "error");
    assert.equal(queryError(99, "").constructor, RayforceQueryError);
  });

  it("the value code is RayforceValueError (as in rayforce-py); options have their own class", () => {
    const e = queryError(ErrorCode.VALUE, "'x' not found");
    assert.ok(e instanceof RayforceValueError);
    assert.equal(e.name, "RayforceValueError");
    assert.equal(RayforceNameError, RayforceValueError);
    assert.ok(!(new RayforceOptionError("bad port") instanceof RayforceQueryError));
  });
});
