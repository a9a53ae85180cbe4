import { readFileSync } from "node:fs";
import { XMLParser } from "fast-xml-parser";

// biome-ignore lint/suspicious/noExplicitAny: parsed XML nodes are untyped
type XmlNode = Record<string, any>;

/** Minimal CSDL model: structured types with their (inherited) properties, and enum members. */
interface PropertyDef {
  type: string;
  nullable: boolean;
}
interface StructuredType {
  baseType: string | null;
  properties: Map<string, PropertyDef>;
  abstract: boolean;
}

export class Csdl {
  private types = new Map<string, StructuredType>();
  private enums = new Map<string, { members: Set<string>; flags: boolean }>();
  private aliases = new Map<string, string>();

  constructor(path: string) {
    const parser = new XMLParser({
      ignoreAttributes: false,
      attributeNamePrefix: "",
      isArray: (name) =>
        ["Schema", "EntityType", "ComplexType", "EnumType", "Property", "Member"].includes(name),
    });
    const doc = parser.parse(readFileSync(path, "utf8"));
    const schemas = doc["edmx:Edmx"]["edmx:DataServices"].Schema as XmlNode[];
    for (const s of schemas) if (s.Alias) this.aliases.set(s.Alias, s.Namespace);
    for (const s of schemas) {
      for (const kind of ["EntityType", "ComplexType"]) {
        for (const t of s[kind] ?? []) {
          const props = new Map<string, PropertyDef>();
          for (const p of t.Property ?? [])
            props.set(p.Name, { type: this.qualify(p.Type), nullable: p.Nullable !== "false" });
          this.types.set(`${s.Namespace}.${t.Name}`, {
            baseType: t.BaseType ? this.qualify(t.BaseType) : null,
            properties: props,
            abstract: t.Abstract === "true",
          });
        }
      }
      for (const e of s.EnumType ?? []) {
        this.enums.set(`${s.Namespace}.${e.Name}`, {
          members: new Set((e.Member ?? []).map((m: { Name: string }) => m.Name)),
          flags: e.IsFlags === "true",
        });
      }
    }
  }

  private qualify(type: string): string {
    const coll = /^Collection\((.+)\)$/.exec(type);
    if (coll) return `Collection(${this.qualify(coll[1] ?? "")})`;
    const dot = type.indexOf(".");
    const prefix = type.slice(0, dot);
    const alias = this.aliases.get(prefix);
    return alias ? `${alias}${type.slice(dot)}` : type;
  }

  hasType(name: string): boolean {
    return this.types.has(name);
  }

  propertiesOf(typeName: string): Map<string, PropertyDef> {
    const out = new Map<string, PropertyDef>();
    let t: string | null = typeName;
    while (t) {
      const def = this.types.get(t);
      if (!def) throw new Error(`unknown type ${t}`);
      for (const [k, v] of def.properties) if (!out.has(k)) out.set(k, v);
      t = def.baseType;
    }
    return out;
  }

  isSubtypeOf(type: string, base: string): boolean {
    let t: string | null = type;
    while (t) {
      if (t === base) return true;
      t = this.types.get(t)?.baseType ?? null;
    }
    return false;
  }

  /** Returns a list of problems (empty when the value conforms). */
  validate(value: unknown, typeName: string, path = "$"): string[] {
    const errors: string[] = [];
    if (typeof value !== "object" || value === null || Array.isArray(value))
      return [`${path}: expected object of ${typeName}`];
    const rec = value as Record<string, unknown>;
    let actual = typeName;
    const odataType = rec["@odata.type"];
    if (typeof odataType === "string") {
      actual = odataType.replace(/^#/, "");
      if (!this.isSubtypeOf(actual, typeName))
        errors.push(`${path}: @odata.type ${actual} is not a ${typeName}`);
    }
    const props = this.propertiesOf(actual);
    for (const [k, v] of Object.entries(rec)) {
      if (k.includes("@")) continue;
      const def = props.get(k);
      if (!def) {
        errors.push(`${path}.${k}: no such property on ${actual}`);
        continue;
      }
      errors.push(...this.validateValue(v, def.type, def.nullable, `${path}.${k}`));
    }
    return errors;
  }

  private validateValue(v: unknown, type: string, nullable: boolean, path: string): string[] {
    const coll = /^Collection\((.+)\)$/.exec(type);
    if (coll) {
      if (!Array.isArray(v)) return [`${path}: expected array for ${type}`];
      return v.flatMap((item, i) => this.validateValue(item, coll[1] ?? "", nullable, `${path}[${i}]`));
    }
    if (v === null) return nullable ? [] : [`${path}: null for non-nullable ${type}`];
    const ok = (cond: boolean) => (cond ? [] : [`${path}: ${JSON.stringify(v)} is not ${type}`]);
    switch (type) {
      case "Edm.String":
        return ok(typeof v === "string");
      case "Edm.Boolean":
        return ok(typeof v === "boolean");
      case "Edm.Int32":
      case "Edm.Int64":
      case "Edm.Int16":
      case "Edm.Byte":
        return ok(typeof v === "number" && Number.isInteger(v));
      case "Edm.Double":
      case "Edm.Single":
      case "Edm.Decimal":
        return ok(typeof v === "number");
      case "Edm.Guid":
        return ok(
          typeof v === "string" && /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(v),
        );
      case "Edm.DateTimeOffset":
        return ok(
          typeof v === "string" && /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/.test(v),
        );
      case "Edm.Date":
        return ok(typeof v === "string" && /^\d{4}-\d\d-\d\d$/.test(v));
      case "Edm.Binary":
      case "Edm.Duration":
      case "Edm.TimeOfDay":
        return ok(typeof v === "string");
    }
    const en = this.enums.get(type);
    if (en) {
      if (typeof v !== "string") return [`${path}: enum ${type} expects a string`];
      const parts = en.flags ? v.split(",").map((x) => x.trim()) : [v];
      return parts.every((p) => en.members.has(p)) ? [] : [`${path}: '${v}' is not a member of ${type}`];
    }
    if (this.types.has(type)) return this.validate(v, type, path);
    return [`${path}: unknown type ${type}`];
  }
}
