import { randomUUID } from "node:crypto";
import { z } from "zod";

const ruleSchema = z.object({
  /** Glob (`*` = any characters) matched against the path, with or without the /graph or /teams-admin prefix; or a regex when it starts with `^`. */
  pathPattern: z.string(),
  method: z.string().optional(),
  tenantId: z.string().optional(),
  count: z.number().int().positive().default(1),
  status: z.number().int().min(400).max(599).default(503),
  retryAfter: z.number().nonnegative().optional(),
  /** Drop the connection instead of answering. */
  reset: z.boolean().default(false),
  body: z.unknown().optional(),
});

const throttleSchema = z.object({
  capacity: z.number().positive(),
  refillPerSecond: z.number().positive(),
  tenantId: z.string().optional(),
  appId: z.string().optional(),
});

export const faultInputSchema = z.object({
  latencyMs: z.number().nonnegative().optional(),
  errorRate: z.number().min(0).max(1).optional(),
  errorStatuses: z.array(z.number().int().min(500).max(599)).optional(),
  resetRate: z.number().min(0).max(1).optional(),
  /** Replaces the throttle buckets; `null` turns throttling off. */
  throttle: z.union([throttleSchema, z.array(throttleSchema), z.null()]).optional(),
  /** Appended to the current "fail the next N calls" rules. */
  rules: z.array(ruleSchema).optional(),
});

export type FaultInput = z.input<typeof faultInputSchema>;
export type ThrottleConfig = z.output<typeof throttleSchema>;

export interface FaultRule extends z.output<typeof ruleSchema> {
  id: string;
  remaining: number;
}

export interface FaultConfig {
  latencyMs: number;
  errorRate: number;
  errorStatuses: number[];
  resetRate: number;
  throttle: ThrottleConfig[];
  rules: FaultRule[];
}

export type FaultAction =
  | {
      kind: "status";
      status: number;
      retryAfter?: number;
      body?: unknown;
      reason: "rule" | "throttle" | "random";
    }
  | { kind: "reset" };

export interface FaultContext {
  method: string;
  path: string;
  tenantId: string | null;
  appId: string | null;
  /** Throttling and random errors apply only to Microsoft's API surfaces (Graph, Teams admin). */
  apiSurface: boolean;
}

function globToRegExp(pattern: string): RegExp {
  if (pattern.startsWith("^")) return new RegExp(pattern);
  const escaped = pattern.replace(/[.+?^${}()|[\]\\]/g, "\\$&").replace(/\*/g, ".*");
  return new RegExp(`^${escaped}$`);
}

function pathCandidates(path: string): string[] {
  const out = [path];
  for (const prefix of ["/graph", "/teams-admin"]) {
    if (path.startsWith(`${prefix}/`)) {
      const rest = path.slice(prefix.length);
      out.push(rest);
      if (rest.startsWith("/v1.0/")) out.push(rest.slice(5));
    }
  }
  return out;
}

export class FaultEngine {
  config: FaultConfig = FaultEngine.empty();
  private buckets = new Map<string, { tokens: number; last: number }>();

  static empty(): FaultConfig {
    return {
      latencyMs: 0,
      errorRate: 0,
      errorStatuses: [500, 503, 504],
      resetRate: 0,
      throttle: [],
      rules: [],
    };
  }

  clear(): void {
    this.config = FaultEngine.empty();
    this.buckets.clear();
  }

  set(input: FaultInput): FaultConfig {
    const f = faultInputSchema.parse(input);
    if (f.latencyMs !== undefined) this.config.latencyMs = f.latencyMs;
    if (f.errorRate !== undefined) this.config.errorRate = f.errorRate;
    if (f.errorStatuses !== undefined) this.config.errorStatuses = f.errorStatuses;
    if (f.resetRate !== undefined) this.config.resetRate = f.resetRate;
    if (f.throttle !== undefined) {
      this.config.throttle = f.throttle === null ? [] : Array.isArray(f.throttle) ? f.throttle : [f.throttle];
      this.buckets.clear();
    }
    for (const r of f.rules ?? []) this.config.rules.push({ ...r, id: randomUUID(), remaining: r.count });
    return this.config;
  }

  decide(ctx: FaultContext): FaultAction | null {
    const candidates = pathCandidates(ctx.path);
    for (const rule of this.config.rules) {
      if (rule.remaining <= 0) continue;
      if (rule.method && rule.method.toUpperCase() !== ctx.method.toUpperCase()) continue;
      if (rule.tenantId && rule.tenantId !== ctx.tenantId) continue;
      const re = globToRegExp(rule.pathPattern);
      if (!candidates.some((c) => re.test(c))) continue;
      rule.remaining--;
      this.config.rules = this.config.rules.filter((r) => r.remaining > 0);
      if (rule.reset) return { kind: "reset" };
      return {
        kind: "status",
        status: rule.status,
        retryAfter: rule.retryAfter,
        body: rule.body,
        reason: "rule",
      };
    }
    if (!ctx.apiSurface) return null;
    const throttled = this.takeToken(ctx);
    if (throttled) return throttled;
    if (this.config.resetRate > 0 && Math.random() < this.config.resetRate) return { kind: "reset" };
    if (this.config.errorRate > 0 && Math.random() < this.config.errorRate) {
      const statuses = this.config.errorStatuses;
      const status = statuses[Math.floor(Math.random() * statuses.length)] ?? 503;
      return { kind: "status", status, reason: "random" };
    }
    return null;
  }

  private takeToken(ctx: FaultContext): FaultAction | null {
    const cfg = this.config.throttle.find(
      (t) => (!t.tenantId || t.tenantId === ctx.tenantId) && (!t.appId || t.appId === ctx.appId),
    );
    if (!cfg) return null;
    const key = `${ctx.tenantId ?? "-"}|${ctx.appId ?? "-"}`;
    const now = Date.now();
    const b = this.buckets.get(key) ?? { tokens: cfg.capacity, last: now };
    b.tokens = Math.min(cfg.capacity, b.tokens + ((now - b.last) / 1000) * cfg.refillPerSecond);
    b.last = now;
    this.buckets.set(key, b);
    if (b.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((1 - b.tokens) / cfg.refillPerSecond));
      return { kind: "status", status: 429, retryAfter, reason: "throttle" };
    }
    b.tokens -= 1;
    return null;
  }
}
