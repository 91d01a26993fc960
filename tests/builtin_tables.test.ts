/**
 * Builtins as explicit tables (engine/builtins.ts, engine/library.ts): an engine has the
 * builtins it was made with, overriding is declared, and the core reaches no file.
 */
import { describe, it } from "node:test";
import assert from "node:assert/strict";
import { builtinTable, unary } from "../engine/builtins.ts";
import { CORE_BUILTINS, resolveBuiltin, STANDARD_BUILTINS } from "../engine/library.ts";
import { Engine } from "../engine/engine.ts";
import { ErrorCode } from "../ipc/mod.ts";
import { NODE_HOST } from "../host/node_host.ts";

describe("builtin tables", () => {
  const id = unary("id", (_e, x) => x);

  it("refuses a name defined twice, and an override of nothing", () => {
    assert.throws(() => builtinTable([id], [unary("id", (_e, x) => x)]), /id is defined twice/);
    assert.throws(
      () => builtinTable([unary("id", (_e, x) => x, { overrides: true })]),
      /id overrides nothing/,
    );
    const wrapper = unary("id", (e, x) => id.fn(e, [x]), { overrides: true });
    assert.equal(builtinTable([id], [wrapper]).get("id"), wrapper);
  });

  it("an engine finds only the builtins of its table", () => {
    const e = new Engine({ builtins: builtinTable([id]) });
    assert.equal(e.display(e.evalSource("(id 42)").value), "42");
    assert.equal(e.evalSource("(+ 1 2)").error?.code, ErrorCode.VALUE); // `+` is just a name here
    assert.equal(e.resolveBuiltin(101, "id"), id);
    assert.equal(e.resolveBuiltin(102, "+").type, 126);
  });

  it("the core has no OS builtin; the standard table adds them over the core's get and set", () => {
    for (const name of ["read", "write", "load", "system", "hopen", "read-csv", "get-splayed"]) {
      assert.equal(CORE_BUILTINS.has(name), false, name);
      assert.ok(STANDARD_BUILTINS.has(name), name);
    }
    assert.notEqual(CORE_BUILTINS.get("get"), STANDARD_BUILTINS.get("get"));
    assert.equal(CORE_BUILTINS.get("sum"), STANDARD_BUILTINS.get("sum"));
    assert.equal(resolveBuiltin(101, "sum"), STANDARD_BUILTINS.get("sum"));
    assert.equal(new Engine().builtins, STANDARD_BUILTINS);
  });

  it("a core engine reads no file even when permitted, but keeps globals", () => {
    const e = new Engine({ builtins: CORE_BUILTINS });
    e.permissions = { read: ["/"], write: ["/tmp"], system: true, env: true };
    assert.equal(e.evalSource('(get "/etc/hostname")').error?.code, ErrorCode.OS);
    assert.equal(e.evalSource('(set "/tmp/x" 1)').error?.code, ErrorCode.OS);
    assert.equal(e.evalSource('(read "/etc/hostname")').error?.code, ErrorCode.VALUE);
    assert.equal(e.evalSource('(system "true")').error?.code, ErrorCode.VALUE);
    assert.equal(e.display(e.evalSource("(do (set a 3) (get 'a))").value), "3");
    const standard = new Engine();
    standard.permissions = { read: ["/etc"], system: true };
    assert.match(standard.evalSource('(get "/etc/hostname")').error!.message, /has no host/);
    assert.match(standard.evalSource('(system "true")').error!.message, /has no host/);
    standard.host = NODE_HOST;
    // The standard get reads the file (which is no value file: a domain error).
    assert.equal(standard.evalSource('(get "/etc/hostname")').error?.code, ErrorCode.DOMAIN);
  });

  it("a builtin's declared permission is checked before its arguments", () => {
    const e = new Engine();
    e.host = NODE_HOST;
    assert.equal(STANDARD_BUILTINS.get("system")!.permission, "system");
    assert.equal(STANDARD_BUILTINS.get("os-get-var")!.permission, "env");
    assert.match(e.evalSource("(system 42)").error!.message, /--allow-system is needed/);
    assert.match(e.evalSource("(os-get-var 42)").error!.message, /--allow-env is needed/);
    e.permissions = { system: true, env: true };
    assert.equal(e.evalSource("(system 42)").error?.code, ErrorCode.TYPE);
    assert.equal(e.display(e.evalSource('(os-get-var "RF_NO_SUCH_VARIABLE")').value), '""');
  });
});
