import { readFileSync } from "node:fs";
import YAML from "yaml";
import { demoScenario } from "./demo.js";
import { type ParsedScenario, type Scenario, scenarioSchema } from "./schema.js";

/** Resolves "demo", a .json/.yaml file path, or a scenario object into a validated scenario. */
export function resolveScenario(input: Scenario | string | undefined): ParsedScenario {
  let raw: unknown;
  if (input === undefined || input === "demo") raw = demoScenario();
  else if (typeof input === "string") {
    const text = readFileSync(input, "utf8");
    raw = /\.ya?ml$/i.test(input) ? YAML.parse(text) : JSON.parse(text);
  } else raw = input;
  const parsed = scenarioSchema.safeParse(raw);
  if (!parsed.success) {
    throw new Error(
      `Invalid scenario: ${parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`,
    );
  }
  return parsed.data;
}
