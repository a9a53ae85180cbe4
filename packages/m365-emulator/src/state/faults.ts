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

/** A token bucket: Graph's per app per tenant (scenario settings and faults share it). */
export const throttleSchema = z.object({
  capacity: z.number().positive(),
  refillPerSecond: z.number().positive(),
  tenantId: z.string().optional(),
  appId: z.string().optional(),
});

const teamsAdminThrottleSchema = throttleSchema.omit({ appId: true });

export const faultInputSchema = z.object({
  latencyMs: z.number().nonnegative().optional(),
  /**
   * Microsoft's response time for a Graph read (GET; a page of a paged list or of users/delta is one): the answer
   * leaves this many ms after the request arrived, the emulator's own work included (only the rest is waited).
   * Not a realistic delay, so `timeFactor` does not scale it (the sync benchmark's per-page latency).
   */
  pageLatencyMs: z.number().nonnegative().optional(),
  /** Microsoft serves at most this many users per users/delta page, whatever was asked (0: up to 999). */
  maxPageSize: z.number().int().nonnegative().optional(),
  errorRate: z.number().min(0).max(1).optional(),
  errorStatuses: z.array(z.number().int().min(500).max(599)).optional(),
  resetRate: z.number().min(0).max(1).optional(),
  /** Graph's budget (one bucket per app per tenant). Replaces the Graph buckets; `null` turns it off. */
  throttle: z.union([throttleSchema, z.array(throttleSchema), z.null()]).optional(),
  /**
   * The Teams admin budget (Teams admin API and the PowerShell stand-in's cmdlets; one bucket per tenant).
   * Replaces the Teams admin buckets; `null` turns it off.
   */
  teamsAdminThrottle: z
    .union([teamsAdminThrottleSchema, z.array(teamsAdminThrottleSchema), z.null()])
    .optional(),
  /** Appended to the current "fail the next N calls" rules. */
  rules: z.array(ruleSchema).optional(),
});

export type FaultInput = z.input<typeof faultInputSchema>;
export type ThrottleConfig = z.output<typeof throttleSchema>;
export type TeamsAdminThrottleConfig = z.output<typeof teamsAdminThrottleSchema>;

export interface FaultRule extends z.output<typeof ruleSchema> {
  id: string;
  remaining: number;
}

export interface FaultConfig {
  latencyMs: number;
  pageLatencyMs: number;
  maxPageSize: number;
  errorRate: number;
  errorStatuses: number[];
  resetRate: number;
  throttle: ThrottleConfig[];
  teamsAdminThrottle: TeamsAdminThrottleConfig[];
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
  /**
   * Which of Microsoft's budgets the request draws on: Graph, or Teams admin (its HTTP API and the cmdlets of the
   * PowerShell stand-in); null for sign-in and control requests. Throttling and random errors apply only to these.
   */
  budget: "graph" | "teams-admin" | null;
  /** Random errors and resets (`errorRate`, `resetRate`) apply to Graph and the Teams admin HTTP API only. */
  randomFaults: boolean;
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
      pageLatencyMs: 0,
      maxPageSize: 0,
      errorRate: 0,
      errorStatuses: [500, 503, 504],
      resetRate: 0,
      throttle: [],
      teamsAdminThrottle: [],
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
    if (f.pageLatencyMs !== undefined) this.config.pageLatencyMs = f.pageLatencyMs;
    if (f.maxPageSize !== undefined) this.config.maxPageSize = f.maxPageSize;
    if (f.errorRate !== undefined) this.config.errorRate = f.errorRate;
    if (f.errorStatuses !== undefined) this.config.errorStatuses = f.errorStatuses;
    if (f.resetRate !== undefined) this.config.resetRate = f.resetRate;
    if (f.throttle !== undefined) {
      this.config.throttle = f.throttle === null ? [] : Array.isArray(f.throttle) ? f.throttle : [f.throttle];
      this.clearBuckets("graph");
    }
    if (f.teamsAdminThrottle !== undefined) {
      const t = f.teamsAdminThrottle;
      this.config.teamsAdminThrottle = t === null ? [] : Array.isArray(t) ? t : [t];
      this.clearBuckets("teams-admin");
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
    if (!ctx.budget) return null;
    const throttled = this.takeToken(ctx, ctx.budget);
    if (throttled) return throttled;
    if (!ctx.randomFaults) return null;
    if (this.config.resetRate > 0 && Math.random() < this.config.resetRate) return { kind: "reset" };
    if (this.config.errorRate > 0 && Math.random() < this.config.errorRate) {
      const statuses = this.config.errorStatuses;
      const status = statuses[Math.floor(Math.random() * statuses.length)] ?? 503;
      return { kind: "status", status, reason: "random" };
    }
    return null;
  }

  private clearBuckets(budget: "graph" | "teams-admin"): void {
    for (const key of [...this.buckets.keys()]) if (key.startsWith(`${budget}|`)) this.buckets.delete(key);
  }

  /**
   * Graph and Teams admin are separate services with separate budgets, so exhausting one never throttles the other.
   *
   * Graph: "Microsoft Graph service-specific throttling limits" (learn.microsoft.com/graph/throttling-limits) evaluates
   * a request against limits "per app across all tenants, per tenant for all apps, per app per tenant"; the identity
   * and access service (users, servicePrincipals, directory roles) meters a token bucket per application+tenant pair
   * (S 3,500 / M 5,000 / L 8,000 resource units per 10 seconds). "Microsoft Graph throttling guidance"
   * (learn.microsoft.com/graph/throttling) answers 429 with a Retry-After header, the seconds to wait. We model one
   * bucket per app per tenant; Retry-After is the time until the bucket holds a token again.
   *
   * Teams admin: Microsoft publishes no figures for the Teams admin service that the MicrosoftTeams PowerShell module
   * (and the Teams admin center) call; what is documented is only that its cmdlets fail with "TooManyRequests" when
   * throttled (reported in MicrosoftDocs/office-docs-powershell issue 5063, "Rate Limiting for New-Team?"). Its
   * configuration (PSTN usages, routes, policies, dial plans) is per tenant, whatever app writes it, so we model one
   * bucket per tenant, with its own Retry-After (the stand-in passes it on as `retryAfter`).
   */
  private takeToken(ctx: FaultContext, budget: "graph" | "teams-admin"): FaultAction | null {
    const cfg =
      budget === "graph"
        ? this.config.throttle.find(
            (t) => (!t.tenantId || t.tenantId === ctx.tenantId) && (!t.appId || t.appId === ctx.appId),
          )
        : this.config.teamsAdminThrottle.find((t) => !t.tenantId || t.tenantId === ctx.tenantId);
    if (!cfg) return null;
    const key =
      budget === "graph"
        ? `graph|${ctx.tenantId ?? "-"}|${ctx.appId ?? "-"}`
        : `teams-admin|${ctx.tenantId ?? "-"}`;
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
