import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.js";

function capture() {
  const stream = new PassThrough();
  let text = "";
  stream.on("data", (chunk: Buffer) => {
    text += chunk.toString();
  });
  return { stream, text: () => text };
}

describe("log output", () => {
  it("is human-readable for a developer's terminal, with secrets still redacted", () => {
    const out = capture();
    createLogger("info", { pretty: true, destination: out.stream }).info(
      { password: "hunter2-secret" },
      "portal ready",
    );
    expect(out.text()).toContain("portal ready");
    expect(out.text()).not.toContain("hunter2-secret");
    expect(() => JSON.parse(out.text().trim())).toThrow();
  });

  it("is one JSON object a line otherwise (production, files, pipes)", () => {
    const out = capture();
    createLogger("info", { destination: out.stream }).info("portal ready");
    expect(JSON.parse(out.text().trim())).toMatchObject({ msg: "portal ready", level: 30 });
  });
});
