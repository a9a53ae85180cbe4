import fc from "fast-check";

/**
 * fast-check arbitraries from the OpenAPI document: "valid-ish" values that follow an operation's schema,
 * and hostile ones (wrong types, NUL, lone surrogates, huge strings, non-UUID ids, out-of-range dates,
 * forged cursors) that a boundary must refuse with a 4xx.
 */
export interface JsonSchema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  enum?: unknown[];
  const?: unknown;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  items?: JsonSchema;
  minItems?: number;
  maxItems?: number;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  default?: unknown;
}

export interface OpenApiDocument {
  paths: Record<string, Record<string, OpenApiOperation>>;
  components?: { schemas?: Record<string, JsonSchema> };
}

export interface OpenApiOperation {
  operationId?: string;
  parameters?: {
    name: string;
    in: "path" | "query" | "header" | "cookie";
    required?: boolean;
    schema?: JsonSchema;
  }[];
  requestBody?: { content: Record<string, { schema?: JsonSchema }> };
}

const forgedCursor = fc
  .oneof(
    fc.jsonValue({ maxDepth: 2 }).map((value) => JSON.stringify(value)),
    fc.constantFrom(
      '["a","not-a-uuid"]',
      '["\\u0000","00000000-0000-0000-0000-000000000000"]',
      "+275760-09-13T00:00:00.000Z|00000000-0000-4000-8000-000000000000",
      "0000-01-01T00:00:00Z|x",
    ),
    fc.string({ maxLength: 40 }),
  )
  .map((text) => Buffer.from(text).toString("base64url"));

/** Strings no boundary should pass to a handler unexamined. */
export const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    "a\u0000b",
    "\u0000",
    "\ud800",
    "x\udfffy",
    "not-a-uuid",
    "00000000-0000-0000-0000-00000000000g",
    "0000-01-01",
    "+275760-09-13",
    "10000-01-01T00:00:00Z",
    "1900-02-30",
    "",
    " ",
    "%00",
    "../../etc/passwd",
    "'; drop table accounts; --",
    "1e309",
    "-1",
    "NaN",
    "null",
    "[]",
    "{}",
    "<script>alert(1)</script>",
  ),
  forgedCursor,
  fc.string({ maxLength: 30, unit: "binary" }),
  fc.string({ maxLength: 30, unit: "grapheme" }),
  fc.constantFrom("x".repeat(5000), "\u00e9".repeat(70_000)),
);

/** Any value of the wrong kind, including hostile strings. */
export const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  fc.integer(),
  fc.constantFrom(-1, 0, 2 ** 31, 2 ** 53, -(2 ** 63), 1e308, 0.5),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(fc.string({ maxLength: 8 }), hostileString, { maxKeys: 3 }),
);

const isoDate = fc
  .date({ min: new Date("1950-01-01T00:00:00Z"), max: new Date("2100-01-01T00:00:00Z"), noInvalidDate: true })
  .map((d) => d.toISOString());

export function arbitraryFor(
  doc: OpenApiDocument,
  schema: JsonSchema | undefined,
  depth = 0,
): fc.Arbitrary<unknown> {
  if (!schema || depth > 6) return fc.jsonValue({ maxDepth: 1 });
  if (schema.$ref) {
    const name = schema.$ref.split("/").pop()!;
    return arbitraryFor(doc, doc.components?.schemas?.[name], depth + 1);
  }
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.length) return fc.oneof(...alternatives.map((s) => arbitraryFor(doc, s, depth + 1)));
  if (schema.allOf?.length) return arbitraryFor(doc, schema.allOf[0], depth + 1);
  if (Array.isArray(schema.type)) {
    return fc.oneof(...schema.type.map((type) => arbitraryFor(doc, { ...schema, type }, depth)));
  }
  switch (schema.type) {
    case "null":
      return fc.constant(null);
    case "boolean":
      return fc.boolean();
    case "integer":
    case "number": {
      const min =
        schema.minimum ?? (schema.exclusiveMinimum !== undefined ? schema.exclusiveMinimum + 1 : -5);
      const max =
        schema.maximum ?? (schema.exclusiveMaximum !== undefined ? schema.exclusiveMaximum - 1 : 1000);
      return fc.integer({ min: Math.ceil(Math.max(min, -1e9)), max: Math.floor(Math.min(max, 1e9)) });
    }
    case "string":
      return stringFor(schema);
    case "array":
      return fc.array(arbitraryFor(doc, schema.items, depth + 1), {
        minLength: Math.min(schema.minItems ?? 0, 3),
        maxLength: Math.min(schema.maxItems ?? 3, 3),
      });
    case "object": {
      const properties = schema.properties ?? {};
      const record: Record<string, fc.Arbitrary<unknown>> = {};
      for (const [key, value] of Object.entries(properties))
        record[key] = arbitraryFor(doc, value, depth + 1);
      return fc.record(record, { requiredKeys: (schema.required ?? []).filter((key) => key in properties) });
    }
    default:
      return fc.jsonValue({ maxDepth: 1 });
  }
}

function stringFor(schema: JsonSchema): fc.Arbitrary<string> {
  switch (schema.format) {
    case "uuid":
      return fc.uuid();
    case "email":
      return fc.emailAddress().filter((e) => e.length <= 100);
    case "date":
      return isoDate.map((d) => d.slice(0, 10));
    case "date-time":
      return isoDate;
    case "uri":
      return fc.webUrl();
  }
  const maxLength = Math.min(schema.maxLength ?? 40, 60);
  return fc.oneof(
    fc.string({ minLength: Math.min(schema.minLength ?? 0, maxLength), maxLength }),
    fc.stringMatching(/^[a-z0-9.+-]{1,20}$/).filter((s) => s.length <= maxLength),
  );
}

/** A valid-ish value with one place (a property, an element, or the whole) replaced by a hostile value. */
export function mutated(valid: fc.Arbitrary<unknown>): fc.Arbitrary<unknown> {
  return fc.tuple(valid, fc.nat(), hostileValue).map(([value, pick, hostile]) => {
    if (value && typeof value === "object" && !Array.isArray(value)) {
      const keys = Object.keys(value);
      if (keys.length === 0) return { [`x${pick % 3}`]: hostile };
      return { ...value, [keys[pick % keys.length]!]: hostile };
    }
    if (Array.isArray(value) && value.length > 0) {
      const copy = [...value];
      copy[pick % copy.length] = hostile;
      return copy;
    }
    return hostile;
  });
}
