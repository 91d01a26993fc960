"""Records rayforce-py v1's WebSocket conventions as fixtures for tests/seeds_protocol.test.ts.

Run with a Python that has rayforce-py v1 importable (RFPY_PYTHON; nothing in this repository
needs it otherwise):

    $RFPY_PYTHON scripts/record-rayforce-py.py > tests/fixtures/rayforce-py/seeds.jsonl

Each output line is one frame exchange on one connection to rayforce-py's own WSServer:
  {"case", "request": hex of the frame rayforce-py's WSClient sends (FFI.ser_obj of what
   WSClient.execute serializes), "reply": hex of the frame the server answered,
   "client": what WSClient.execute returns or raises for that reply}
The first line is the handshake (request "0100", reply "01").
"""
from __future__ import annotations

import asyncio, json, socket

from rayforce import F64, I64, Column, String, Symbol, Table, TableColumnInterval, Time, Vector
from rayforce.ffi import FFI
from rayforce.network import utils
from rayforce.network.websocket import WSServer
from rayforce.network.websocket.client import WSClientConnection
from rayforce.plugins.sql import SQLQuery
from websockets import connect


def frame(data) -> bytes:
    return bytes(FFI.read_u8_vector(FFI.ser_obj(utils.python_to_ipc(data))))


SOURCES = [
    "(+ 1 2)", "(* 3 4)", "(- 10 3)", "(set x 42)", "x", "nonexistent_variable",
    "(+ 1 'a)", "(- 1 \"a\")", "(sum 1 2)", "(take 2 3 4)", "(+ [1 2 3] [4 5])", "((fn [x] x) 1 2)",
    "(til -1)", "(+ 1", "[1 2", ")", "(distinct 5)", "(raise \"boo\")", "(as 'I64 \"abc\")",
    "(as 'xx 1)", "(til 5)", "\"text\"", "(list 1 'a \"b\")", "{a: 1 b: [2 3]}",
    "(table [a b] (list [1 2] [3 4]))", "2024.01.02", "(at [1 2 3] 10)",
]

TABLES = [
    "(set t (table [id name age] (list (as 'SYMBOL (list \"001\" \"002\")) (as 'SYMBOL (list \"alice\" \"bob\")) [29 34])))",
    "(set u (table [id age] (list (as 'SYMBOL (list \"001\")) [29])))",
    "(set trades (table [sym ts price] (list (as 'SYMBOL (list \"AAPL\" \"AAPL\")) [09:00:00.100 09:00:00.200] [100 200])))",
    "(set quotes (table [sym ts bid ask] (list (as 'SYMBOL (list \"AAPL\" \"AAPL\")) [09:00:00.050 09:00:00.150] [45 55] [70 80])))",
    "(set wt (table [sym tt price] (list (as 'SYMBOL (list \"AAPL\")) [09:00:00.100] [150.0])))",
    "(set wq (table [sym tt bid ask] (list (as 'SYMBOL (list \"AAPL\" \"AAPL\")) [09:00:00.095 09:00:00.105] [99.0 101.0] [109.0 111.0])))",
    "(set employees (table [id name age] (list [1 2 3] (as 'SYMBOL (list \"alice\" \"bob\" \"charlie\")) [25 30 35])))",
]


def query_objects():
    interval = TableColumnInterval(lower=-10, upper=10, table=Table("wt"), column=Column("tt"))
    return [
        ("select", Table("t").select("id", "name").where(Column("age") > 30)),
        ("update", Table("u").update(age=35).where(Column("id") == "001")),
        ("update_string", Table("t").update(name="zed").where(Column("id") == "001")),
        ("insert", Table("u").insert(id=["003"], age=[40])),
        ("insert_unknown_column", Table("u").insert(c=[1])),
        ("upsert", Table("u").upsert(key_columns=1, id="001", age=30)),
        ("inner_join", Table("trades").inner_join(Table("quotes"), on="sym")),
        ("left_join", Table("trades").left_join(Table("quotes"), on="sym")),
        ("asof_join", Table("trades").asof_join(Table("quotes"), on=["sym", "ts"])),
        ("window_join", Table("wt").window_join(on=["sym", "tt"], interval=interval,
                                                join_with=[Table("wq")],
                                                min_bid=Column("bid").min(), max_ask=Column("ask").max())),
        ("window_join1", Table("wt").window_join1(on=["sym", "tt"], interval=interval,
                                                  join_with=[Table("wq")],
                                                  min_bid=Column("bid").min(), max_ask=Column("ask").max())),
        ("sql_select", SQLQuery(Table("employees"), "SELECT name, age FROM self WHERE age > 25")),
        ("sql_update", SQLQuery(Table("employees"), "UPDATE self SET age = 40 WHERE id = 1")),
        ("sql_insert", SQLQuery(Table("employees"), "INSERT INTO self (id, name, age) VALUES (4, 'dan', 50)")),
    ]


async def client_view(reply: bytes) -> str:
    """What WSClient.execute gives its caller for this reply (its decoding, unchanged)."""
    class Fake:
        async def send(self, _): pass
        async def recv(self): return reply
    conn = WSClientConnection(Fake())
    try:
        return "value " + repr(await conn.execute("0"))
    except Exception as e:  # noqa: BLE001 - the point is to record what it raises
        return f"raises {type(e).__name__}: {e}"


async def main() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = WSServer(port=port)
    import contextlib, io
    quiet = contextlib.redirect_stdout(io.StringIO())  # the server prints every error it answers
    quiet.__enter__()
    await server.start()
    rows = []
    try:
        async with connect(f"ws://127.0.0.1:{port}") as ws:
            await ws.send(bytes([1, 0]))
            rows.append({"case": "handshake", "request": "0100", "reply": (await ws.recv()).hex()})
            cases = [(f"source {q}", String(q)) for q in SOURCES + TABLES] + query_objects()
            for name, data in cases:
                req = frame(data)
                await ws.send(req)
                rep = await ws.recv()
                rows.append({"case": name, "request": req.hex(), "reply": rep.hex()})
    finally:
        await server.stop()
        quiet.__exit__(None, None, None)
    for row in rows:
        if row["case"] != "handshake":
            row["client"] = await client_view(bytes.fromhex(row["reply"]))
        print(json.dumps(row))


asyncio.run(main())
