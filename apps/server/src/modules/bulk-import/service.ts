import { pipeline, type Readable } from "node:stream";
import { CsvError, parse } from "csv-parse";
import { and, asc, eq, gt, inArray, sql } from "drizzle-orm";
import type { Database } from "../../db/client.js";
import type { FieldError } from "../../http/problem.js";
import { type AuditContext, recordAudit } from "../audit/repository.js";
import { toE164 } from "../numbers/service.js";
import { provisionedUsers, sipDevices, teamsUsers } from "../teams-users/schema.js";
import { addUser, formOptions, type UserServiceDeps, validateUserFields } from "../teams-users/service.js";
import type { Account } from "../tenancy/schema.js";
import { CsvRejected, csvTextGuard, tooManyRows, USERS_CSV_LIMITS } from "./csv-guard.js";
import { type BulkImportRowData, bulkImportRows, bulkImports } from "./schema.js";

/** The columns of the users CSV (header row required; names are case-insensitive). */
export const CSV_COLUMNS = [
  "teams_upn",
  "sip_user",
  "phone_number",
  "voice_route",
  "pbx_location",
  "disable_voicemail",
  "assign_dial_plan",
  "devices",
] as const;

const BATCH = 500;
const deviceAd = (importId: string, row: number, i: number) => `bulk-import:${importId}:${row}:${i}`;

function flag(value: string | undefined, fallback: boolean): boolean | null {
  const v = (value ?? "").trim().toLowerCase();
  if (v === "") return fallback;
  if (["yes", "y", "true", "1", "x"].includes(v)) return true;
  if (["no", "n", "false", "0"].includes(v)) return false;
  return null;
}

/** "authId:password; authId2:password2" */
function parseDevices(value: string | undefined): { authId: string; password: string }[] {
  return (value ?? "")
    .split(/[;|]/)
    .map((part) => part.trim())
    .filter(Boolean)
    .map((part) => {
      const at = part.indexOf(":");
      return at < 0
        ? { authId: part, password: "" }
        : { authId: part.slice(0, at).trim(), password: part.slice(at + 1).trim() };
    });
}

interface Staged {
  rowNumber: number;
  upn: string;
  data: BulkImportRowData | null;
  errors: FieldError[];
}

/**
 * Streams the CSV into a validated preview. Rows are checked in batches of 500 (fields, the enterprise's
 * routes and locations, synced eligible users, existing SIP users, numbers and devices), staged with
 * sealed passwords, then checked for duplicates inside the file. Nothing is provisioned here.
 * A file over the limits (USERS_CSV_LIMITS) or not UTF-8 text throws CsvRejected as soon as that is seen,
 * and whatever was staged of it is deleted.
 */
export async function createImport(
  deps: UserServiceDeps,
  audit: AuditContext,
  enterprise: Account,
  input: Readable,
  fileName: string | null,
) {
  const options = await formOptions(deps.db, enterprise);
  const routeByName = new Map(options.voiceRoutes.map((r) => [r.name.toLowerCase(), r.id]));
  const [created] = await deps.db
    .insert(bulkImports)
    .values({ enterpriseAccountId: enterprise.id, fileName, createdByUserId: audit.actor?.userId ?? null })
    .returning();
  const importId = created!.id;
  const guard = csvTextGuard(USERS_CSV_LIMITS);
  let columns: string[] = [];
  const parser = parse({
    columns: (header: string[]) => {
      columns = header.map((h) =>
        h
          .trim()
          .toLowerCase()
          .replace(/[\s-]+/g, "_"),
      );
      return columns;
    },
    skip_empty_lines: true,
    trim: true,
    bom: true,
    relax_column_count: true,
    max_record_size: USERS_CSV_LIMITS.maxLineBytes,
  });
  // The request stream is piped, not part of the pipeline: a refused upload must not destroy the socket
  // the refusal is answered on.
  input.pipe(guard);
  pipeline(guard, parser, () => input.unpipe(guard));
  let batch: Staged[] = [];
  let rowNumber = 1; // the header is line 1
  let headerChecked = false;
  let headerRefused = false;
  const flush = async () => {
    if (batch.length === 0) return;
    await checkBatch(deps.db, enterprise.id, batch);
    await deps.db.insert(bulkImportRows).values(
      batch.map((s) => ({
        importId,
        rowNumber: s.rowNumber,
        data: s.data
          ? {
              ...s.data,
              devices: s.data.devices.map((d, i) => ({
                authId: d.authId,
                password: deps.secrets.seal(d.password, deviceAd(importId, s.rowNumber, i)),
              })),
            }
          : null,
        errors: s.errors,
      })),
    );
    batch = [];
  };
  try {
    for await (const record of parser as AsyncIterable<Record<string, string>>) {
      rowNumber++;
      // The rest of a file whose header is wrong is still read through the guard, so its limits hold.
      if (headerRefused) continue;
      if (rowNumber - 1 > USERS_CSV_LIMITS.maxRows) throw tooManyRows(USERS_CSV_LIMITS);
      if (!headerChecked) {
        headerChecked = true;
        const missing = ["teams_upn", "sip_user", "phone_number"].filter((c) => !columns.includes(c));
        if (missing.length > 0) {
          await deps.db
            .update(bulkImports)
            .set({
              status: "failed",
              lastError: `The header row lacks the column(s): ${missing.join(", ")}. Expected: ${CSV_COLUMNS.join(", ")}.`,
            })
            .where(eq(bulkImports.id, importId));
          headerRefused = true;
          continue;
        }
      }
      batch.push(validateRecord(record, rowNumber, options, routeByName));
      if (batch.length >= BATCH) await flush();
    }
    if (headerRefused) return summary(deps.db, importId);
    await flush();
  } catch (error) {
    const refused =
      error instanceof CsvRejected
        ? error
        : error instanceof CsvError && error.code === "CSV_MAX_RECORD_SIZE"
          ? new CsvRejected(
              400,
              `Line ${rowNumber + 1} is longer than ${USERS_CSV_LIMITS.maxLineBytes.toLocaleString("en-US")} bytes (one user per line).`,
            )
          : null;
    if (refused) {
      input.unpipe(guard);
      await deps.db.delete(bulkImports).where(eq(bulkImports.id, importId));
      throw refused;
    }
    await deps.db
      .update(bulkImports)
      .set({ status: "failed", lastError: `Line ${rowNumber}: ${(error as Error).message}` })
      .where(eq(bulkImports.id, importId));
    return summary(deps.db, importId);
  }
  await markFileDuplicates(deps.db, importId);
  await deps.db.execute(sql`
    update bulk_imports set
      total_rows = (select count(*) from bulk_import_rows where import_id = ${importId}),
      error_rows = (select count(*) from bulk_import_rows where import_id = ${importId} and jsonb_array_length(errors) > 0),
      valid_rows = (select count(*) from bulk_import_rows where import_id = ${importId} and jsonb_array_length(errors) = 0),
      updated_at = now()
    where id = ${importId}`);
  await recordAudit(deps.db, audit, {
    action: "bulk-import.preview",
    accountId: enterprise.id,
    targetType: "bulk-import",
    targetId: importId,
  });
  return summary(deps.db, importId);
}

function validateRecord(
  record: Record<string, string>,
  rowNumber: number,
  options: Awaited<ReturnType<typeof formOptions>>,
  routeByName: Map<string, string>,
): Staged {
  const errors: FieldError[] = [];
  const upn = (record.teams_upn ?? "").trim();
  if (!upn) errors.push({ field: "teams_upn", message: "Teams UPN is required." });
  const routeName = (record.voice_route ?? "").trim();
  const regionId = routeName
    ? routeByName.get(routeName.toLowerCase())
    : (options.defaultVoiceRouteId ?? undefined);
  if (!regionId) {
    errors.push({
      field: "voice_route",
      message: routeName
        ? `Unknown voice route "${routeName}" (use ${options.voiceRoutes.map((r) => r.name).join(" or ") || "a configured region"}).`
        : "Voice route is required.",
    });
  }
  const pbxLocation =
    (record.pbx_location ?? "").trim() || (options.pbxLocations.length === 1 ? options.pbxLocations[0]! : "");
  if (pbxLocation && !options.pbxLocations.includes(pbxLocation))
    errors.push({ field: "pbx_location", message: `Unknown PBX location "${pbxLocation}".` });
  const disableVoicemail = flag(record.disable_voicemail, true);
  const assignDialPlan = flag(record.assign_dial_plan, true);
  if (disableVoicemail === null) errors.push({ field: "disable_voicemail", message: "Use yes or no." });
  if (assignDialPlan === null) errors.push({ field: "assign_dial_plan", message: "Use yes or no." });
  const devices = parseDevices(record.devices);
  const fieldErrors = validateUserFields(
    {
      pbxLocation,
      regionId: regionId ?? "x",
      sipUser: (record.sip_user ?? "").trim(),
      phoneNumber: (record.phone_number ?? "").trim(),
      disableVoicemail: true,
      assignDialPlan: true,
      devices,
    },
    { requirePasswords: true },
  ).map((e) => ({
    ...e,
    field: e.field
      .replace("sipUser", "sip_user")
      .replace("phoneNumber", "phone_number")
      .replace("pbxLocation", "pbx_location"),
  }));
  errors.push(...fieldErrors);
  const data: BulkImportRowData = {
    upn,
    sipUser: (record.sip_user ?? "").trim(),
    phoneNumber: toE164(record.phone_number ?? "") ?? (record.phone_number ?? "").trim(),
    route: regionId ?? "",
    pbxLocation,
    disableVoicemail: disableVoicemail ?? true,
    assignDialPlan: assignDialPlan ?? true,
    devices,
  };
  return { rowNumber, upn, data, errors };
}

/** Checks a batch against the database: synced eligible user, already added, SIP user, number, devices. */
async function checkBatch(db: Database, enterpriseAccountId: string, batch: Staged[]) {
  const upns = [...new Set(batch.map((s) => s.upn.toLowerCase()).filter(Boolean))];
  const users = upns.length
    ? await db
        .select({
          objectId: teamsUsers.objectId,
          upn: sql<string>`lower(${teamsUsers.userPrincipalName})`,
          eligible: teamsUsers.eligible,
          reason: teamsUsers.ineligibleReason,
          provisioned: sql<boolean>`exists (select 1 from provisioned_users p where p.enterprise_account_id = ${teamsUsers.enterpriseAccountId} and p.teams_user_object_id = ${teamsUsers.objectId})`,
        })
        .from(teamsUsers)
        .where(
          and(
            eq(teamsUsers.enterpriseAccountId, enterpriseAccountId),
            inArray(sql`lower(${teamsUsers.userPrincipalName})`, upns),
          ),
        )
    : [];
  const byUpn = new Map(users.map((u) => [u.upn, u]));
  const numbers = batch.map((s) => s.data?.phoneNumber ?? "").filter((n) => n.startsWith("+"));
  const takenNumbers = new Set(
    numbers.length
      ? (
          await db
            .select({ n: provisionedUsers.phoneNumber })
            .from(provisionedUsers)
            .where(inArray(provisionedUsers.phoneNumber, numbers))
        ).map((r) => r.n)
      : [],
  );
  const sipUsers = batch.map((s) => s.data?.sipUser ?? "").filter(Boolean);
  const takenSip = new Set(
    sipUsers.length
      ? (
          await db
            .select({ l: provisionedUsers.pbxLocation, s: provisionedUsers.sipUser })
            .from(provisionedUsers)
            .where(
              and(
                eq(provisionedUsers.enterpriseAccountId, enterpriseAccountId),
                inArray(provisionedUsers.sipUser, sipUsers),
              ),
            )
        ).map((r) => `${r.l}\u0000${r.s}`)
      : [],
  );
  const authIds = batch.flatMap((s) => s.data?.devices.map((d) => d.authId) ?? []).filter(Boolean);
  const takenAuth = new Set(
    authIds.length
      ? (
          await db
            .select({ a: sipDevices.authId })
            .from(sipDevices)
            .where(
              and(
                eq(sipDevices.enterpriseAccountId, enterpriseAccountId),
                inArray(sipDevices.authId, authIds),
              ),
            )
        ).map((r) => r.a)
      : [],
  );
  for (const s of batch) {
    if (!s.data) continue;
    if (s.upn) {
      const u = byUpn.get(s.upn.toLowerCase());
      if (!u)
        s.errors.push({
          field: "teams_upn",
          message: `No synced Teams user ${s.upn} (run Sync Teams Users, or check the spelling).`,
        });
      else if (!u.eligible)
        s.errors.push({
          field: "teams_upn",
          message: `${s.upn} cannot be provisioned: ${u.reason ?? "not eligible"}.`,
        });
      else if (u.provisioned) s.errors.push({ field: "teams_upn", message: `${s.upn} is already added.` });
    }
    if (takenNumbers.has(s.data.phoneNumber))
      s.errors.push({
        field: "phone_number",
        message: `${s.data.phoneNumber} is already assigned to another user.`,
      });
    if (takenSip.has(`${s.data.pbxLocation}\u0000${s.data.sipUser}`))
      s.errors.push({
        field: "sip_user",
        message: `SIP user ${s.data.sipUser} is already assigned to another user.`,
      });
    for (const d of s.data.devices)
      if (takenAuth.has(d.authId))
        s.errors.push({
          field: "devices",
          message: `SIP Authentication ID ${d.authId} is already used by another device.`,
        });
  }
}

/** Duplicates inside the file, found in SQL so memory does not grow with the file. */
async function markFileDuplicates(db: Database, importId: string) {
  const checks: [string, string, string][] = [
    ["teams_upn", "lower(data->>'upn')", "Teams user"],
    ["sip_user", "(data->>'pbxLocation') || '/' || (data->>'sipUser')", "SIP user"],
    ["phone_number", "data->>'phoneNumber'", "Phone number"],
  ];
  for (const [field, expr, label] of checks) {
    await db.execute(
      sql.raw(`
      update bulk_import_rows r set errors = r.errors || jsonb_build_array(jsonb_build_object(
        'field', '${field}', 'message', '${label} appears more than once in the file (rows ' || d.rows || ').'))
      from (select ${expr} as k, string_agg(row_number::text, ', ' order by row_number) as rows
            from bulk_import_rows where import_id = '${importId.replace(/[^0-9a-f-]/g, "")}' and data is not null and coalesce(${expr}, '') <> ''
            group by 1 having count(*) > 1) d
      where r.import_id = '${importId.replace(/[^0-9a-f-]/g, "")}' and r.data is not null and ${expr.replaceAll("data", "r.data")} = d.k`),
    );
  }
}

export async function summary(db: Database, importId: string) {
  const [row] = await db.select().from(bulkImports).where(eq(bulkImports.id, importId));
  return row!;
}

export async function listRows(
  db: Database,
  importId: string,
  options: { errorsOnly: boolean; page: number; pageSize: number },
) {
  return db
    .select({
      rowNumber: bulkImportRows.rowNumber,
      upn: sql<string>`coalesce(${bulkImportRows.data} ->> 'upn', '')`,
      sipUser: sql<string>`coalesce(${bulkImportRows.data} ->> 'sipUser', '')`,
      phoneNumber: sql<string>`coalesce(${bulkImportRows.data} ->> 'phoneNumber', '')`,
      errors: bulkImportRows.errors,
      outcome: bulkImportRows.outcome,
    })
    .from(bulkImportRows)
    .where(
      and(
        eq(bulkImportRows.importId, importId),
        options.errorsOnly ? sql`jsonb_array_length(${bulkImportRows.errors}) > 0` : undefined,
      ),
    )
    .orderBy(asc(bulkImportRows.rowNumber))
    .limit(options.pageSize)
    .offset((options.page - 1) * options.pageSize);
}

/**
 * A row's outcome while its Add User runs. A row left so by a run that died may or may not have been added;
 * the next run looks before adding it again.
 */
export const ROW_APPLYING = "applying";

const pendingRow = sql`jsonb_array_length(${bulkImportRows.errors}) = 0 and (${bulkImportRows.outcome} is null or ${bulkImportRows.outcome} = ${ROW_APPLYING})`;

/**
 * Background apply: every valid row becomes an Add User (validated again), with progress on the import.
 * Idempotent, so an interrupted apply can simply run again (a retry, or Resume): rows are claimed before
 * they are added, and a row's outcome and the import's counter are recorded once, in one statement; a row
 * claimed by a run that died is recorded as created without a second Add User when its user already
 * exists as the row describes. Stops between rows when `signal` aborts (the job lost its claim).
 */
export async function applyImport(
  deps: UserServiceDeps,
  importId: string,
  enterprise: Account,
  signal?: AbortSignal,
): Promise<{ completed: boolean }> {
  let after = 0;
  let options = await formOptions(deps.db, enterprise);
  let optionsAt = Date.now();
  for (;;) {
    const rows = await deps.db
      .select()
      .from(bulkImportRows)
      .where(and(eq(bulkImportRows.importId, importId), gt(bulkImportRows.rowNumber, after), pendingRow))
      .orderBy(asc(bulkImportRows.rowNumber))
      .limit(100);
    if (rows.length === 0) break;
    const users = await deps.db
      .select({ objectId: teamsUsers.objectId, upn: sql<string>`lower(${teamsUsers.userPrincipalName})` })
      .from(teamsUsers)
      .where(
        and(
          eq(teamsUsers.enterpriseAccountId, enterprise.id),
          inArray(
            sql`lower(${teamsUsers.userPrincipalName})`,
            rows.map((r) => r.data!.upn.toLowerCase()),
          ),
        ),
      );
    const byUpn = new Map(users.map((u) => [u.upn, u.objectId]));
    if (Date.now() - optionsAt > 30_000) {
      // Consent or the Teams profile may change during a long import.
      options = await formOptions(deps.db, enterprise);
      optionsAt = Date.now();
    }
    // Claimed a batch at a time; a run that dies leaves its batch claimed, and the next run checks those.
    const claimed = new Set(
      (
        await deps.db
          .update(bulkImportRows)
          .set({ outcome: ROW_APPLYING })
          .where(
            and(
              eq(bulkImportRows.importId, importId),
              inArray(
                bulkImportRows.rowNumber,
                rows.map((r) => r.rowNumber),
              ),
              pendingRow,
            ),
          )
          .returning({ rowNumber: bulkImportRows.rowNumber })
      ).map((r) => r.rowNumber),
    );
    for (const row of rows) {
      if (signal?.aborted) return { completed: false };
      after = row.rowNumber;
      if (!claimed.has(row.rowNumber)) continue; // finished meanwhile by another run
      const d = row.data!;
      if (row.outcome === ROW_APPLYING && (await alreadyAdded(deps.db, enterprise.id, d))) {
        await recordOutcome(deps.db, importId, row.rowNumber, "created");
        continue;
      }
      let outcome = "created";
      try {
        await addUser(
          deps,
          { actor: null },
          enterprise,
          {
            teamsUserObjectId: byUpn.get(d.upn.toLowerCase()) ?? "",
            pbxLocation: d.pbxLocation,
            regionId: d.route,
            sipUser: d.sipUser,
            phoneNumber: d.phoneNumber,
            disableVoicemail: d.disableVoicemail,
            assignDialPlan: d.assignDialPlan,
            devices: d.devices.map((dev, i) => ({
              authId: dev.authId,
              password: deps.secrets.open(dev.password, deviceAd(importId, row.rowNumber, i)),
            })),
          },
          { options },
        );
      } catch (error) {
        const e = error as { errors?: FieldError[]; message: string; status?: number };
        // Two runs of one import can meet on a row (a stalled run that was resumed woke up); the loser
        // finds the row's user added.
        if (e.status === 409 && (await alreadyAdded(deps.db, enterprise.id, d))) outcome = "created";
        else outcome = `failed: ${e.errors?.map((x) => x.message).join(" ") || e.message}`.slice(0, 500);
      }
      await recordOutcome(deps.db, importId, row.rowNumber, outcome);
    }
  }
  // Another run may still hold a claimed row; whichever run sees none left completes the import.
  const done = await deps.db
    .update(bulkImports)
    .set({ status: "completed", updatedAt: new Date() })
    .where(
      and(
        eq(bulkImports.id, importId),
        eq(bulkImports.status, "applying"),
        sql`not exists (select 1 from ${bulkImportRows} where ${bulkImportRows.importId} = ${importId} and ${pendingRow})`,
      ),
    )
    .returning({ id: bulkImports.id });
  return { completed: done.length > 0 };
}

/** The row's user exists in this enterprise exactly as the row describes (added by a run that died). */
async function alreadyAdded(db: Database, enterpriseAccountId: string, d: BulkImportRowData) {
  const [found] = await db
    .select({ id: provisionedUsers.id })
    .from(provisionedUsers)
    .where(
      and(
        eq(provisionedUsers.enterpriseAccountId, enterpriseAccountId),
        sql`lower(${provisionedUsers.userPrincipalName}) = ${d.upn.toLowerCase()}`,
        eq(provisionedUsers.pbxLocation, d.pbxLocation),
        eq(provisionedUsers.sipUser, d.sipUser),
        eq(provisionedUsers.phoneNumber, d.phoneNumber),
      ),
    );
  return Boolean(found);
}

/** Records a claimed row's outcome and counts it, once: only the statement that ends the claim counts it. */
async function recordOutcome(db: Database, importId: string, rowNumber: number, outcome: string) {
  const counter = outcome === "created" ? sql.raw("applied_rows") : sql.raw("failed_rows");
  await db.execute(sql`
    with ended as (
      update bulk_import_rows set outcome = ${outcome}
      where import_id = ${importId} and row_number = ${rowNumber} and outcome = ${ROW_APPLYING}
      returning 1)
    update bulk_imports set ${counter} = ${counter} + (select count(*) from ended), updated_at = now()
    where id = ${importId}`);
}
