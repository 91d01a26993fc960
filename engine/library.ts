/**
 * Registers every builtin: importing this module fills `BUILTINS`. Each group lives in its
 * own module; the order of imports does not matter.
 *
 * @module
 */
import "./arith.ts";
import "./xbar.ts";
import "./compare.ts";
import "./control.ts";
import "./aggregate.ts";
import "./collections.ts";
import "./cast.ts";
import "./order.ts";
import "./query.ts";
import "./strings.ts";
import "./search.ts";
import "./clock.ts";
import "./joins.ts";
import "./iteration.ts";
import "./generators.ts";
import "./meta.ts";
import "./serialize.ts";
import "./os.ts";
import "./csv.ts";
import "./splayed.ts";
