import { describe, expect, it } from "vitest";
import { formatOpMessage, Op, parseOpMessage, type OpMessage } from "./opmessage";
import { pointer } from "./pointer";
import { nodeId } from "./types";

const id = nodeId;

describe("formatOpMessage", () => {
  // The same cases as Go's TestOpMessageString: the bytes are a wire format.
  it.each<[string, OpMessage, string]>([
    ["reparent", { op: Op.Reparent, nodes: [id("n")], props: ["/parent", "/order"], parent: id("p") },
      `atelier/op:1 {"op":"reparent","nodes":["n"],"props":["/parent","/order"],"parent":"p"}`],
    ["create at root", { op: Op.Create, nodes: [id("n")], props: [""], parent: id(""), author: "ana <a@x>" },
      `atelier/op:1 {"op":"create","nodes":["n"],"props":[""],"parent":"","author":"ana <a@x>"}`],
    ["empty lists", { op: Op.Delete, nodes: [], props: [] }, `atelier/op:1 {"op":"delete","nodes":[],"props":[]}`],
    ["line break escaped", { op: Op.SetProperty, nodes: [id("a\nb")], props: ["/name"] },
      `atelier/op:1 {"op":"setProperty","nodes":["a\\nb"],"props":["/name"]}`],
    ["every field in Go's order", {
      author: "x", toLayer: "L2", fromLayer: "L1", linkChange: "ff", link: "l", sources: [id("s")],
      rekeyed: [id("r")], parent: id("p"), props: [""], nodes: [id("n")], op: Op.MoveIn,
    }, `atelier/op:1 {"op":"moveIn","nodes":["n"],"props":[""],"parent":"p","rekeyed":["r"],"sources":["s"],` +
      `"link":"l","linkChange":"ff","fromLayer":"L1","toLayer":"L2","author":"x"}`],
    ["empty optional fields omitted", { op: Op.Reorder, nodes: [id("n")], props: ["/order"], rekeyed: [], author: "" },
      `atelier/op:1 {"op":"reorder","nodes":["n"],"props":["/order"]}`],
    ["as Go escapes: U+2028, control characters, lone surrogates", {
      op: Op.SetProperty, nodes: [id("a\u2028b\u2029\u0001\b\f\t\r\"\\")], props: ["/name"], author: "x\ud800",
    }, `atelier/op:1 {"op":"setProperty","nodes":["a\\u2028b\\u2029\\u0001\\b\\f\\t\\r\\"\\\\"],"props":["/name"],"author":"x\ufffd"}`],
  ])("%s", (_name, m, want) => {
    expect(formatOpMessage(m)).toBe(want);
  });

  it("escapes pointer tokens", () => {
    expect(pointer("components", "a/b", "c~d")).toBe("/components/a~1b/c~0d");
    expect(pointer()).toBe("");
  });
});

describe("parseOpMessage", () => {
  it("round-trips", () => {
    const msgs: OpMessage[] = [
      { op: Op.MoveOut, nodes: [id("a"), id("b")], props: [""], link: "l", linkChange: "ff", fromLayer: "x", toLayer: "y" },
      { op: Op.Duplicate, nodes: [id("c")], props: [""], parent: id("p"), sources: [id("a")], rekeyed: [id("z")] },
      { op: "futureOp", nodes: [], props: ["/components/a~1b/c~0d"] },
    ];
    for (const m of msgs) expect(parseOpMessage(formatOpMessage(m))).toEqual({ version: 1, ...m });
  });

  it("accepts other field orders, unknown fields, nulls and Go's case-insensitive names", () => {
    expect(parseOpMessage(`atelier/op:1 {"props":["/name"],"extra":{"x":1},"nodes":["n"],"op":"setProperty"}`))
      .toEqual({ version: 1, op: "setProperty", nodes: ["n"], props: ["/name"] });
    expect(parseOpMessage(`atelier/op:1  {"OP":"create","Nodes":["n",null],"props":null,"parent":null}`))
      .toEqual({ version: 1, op: "create", nodes: ["n", ""], props: [] });
  });

  // The same cases as Go's TestParseOpMessageRejects.
  it.each([
    "", "atelier: create layer", "move",
    `atelier/op:2 {"op":"create","nodes":[],"props":[]}`,
    `atelier/op:01 {"op":"create"}`,
    `atelier/op:1{"op":"create"}`,
    `atelier/op:1 {"op":""}`,
    `atelier/op:1 {"nodes":["a"]}`,
    `atelier/op:1 null`,
    `atelier/op:1 ["op"]`,
    `atelier/op:1 {"op":"create"} trailing`,
    `atelier/op:1 {"op":"create"}{"op":"x"}`,
    "atelier/op:1 {\"op\":\n\"create\"}",
    `atelier/op:1 {"op":7}`,
    `atelier/op:1 {"op":"create","nodes":"a"}`,
    `atelier/op:1 {"op":"create","nodes":[1]}`,
    `atelier/op:1 {"op":"create","parent":3}`,
    "atelier/op:1 {\"op\":\"\ud800\"}",
  ])("rejects %j", (msg) => {
    expect(parseOpMessage(msg)).toBeUndefined();
  });
});
