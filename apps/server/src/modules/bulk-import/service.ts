import { pipeline, type Readable } from "node:stream";
import { CsvError, parse } from "csv-parse";
import type { Database } from "../../db/client.js";
import { keysetCursor, toPage } from "../../http/pagination.js";
import type { FieldError } from "../../http/problem.js";
import { type AuditContext, recordAudit } from "../audit/index.js";
import { toE164 } from "../numbers/index.js";
import {
  addUser,
  batchConflicts,
  type FormOptions,
  formOptions,
  isAddedAsDescribed,
  teamsUserIdsByUpn,
  type UserServiceDeps,
  validateUserFields,
} from "../teams-users/index.js";
import { type Account, type TenantScope, tenantScope } from "../tenancy/index.js";
import { emitEvent } from "../webhooks/index.js";
import { CsvRejected, csvTextGuard, tooManyRows, USERS_CSV_LIMITS } from "./csv-guard.js";
import { bulkImportRepository, ROW_APPLYING } from "./repository.js";
import type { BulkImportRowData } from "./schema.js";

export { ROW_APPLYING };

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
  const scope = tenantScope(enterprise);
  const imports = bulkImportRepository(deps.db);
  const options = await formOptions(deps.db, enterprise);
  const routeByName = new Map(options.voiceRoutes.map((r) => [r.name.toLowerCase(), r.id]));
  const created = await imports.create(scope, { fileName, createdByUserId: audit.actor?.userId ?? null });
  const importId = created.id;
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
    await checkBatch(deps.db, enterprise, batch);
    await imports.stageRows(
      scope,
      importId,
      batch.map((s) => ({
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
          await imports.markFailed(
            scope,
            importId,
            `The header row lacks the column(s): ${missing.join(", ")}. Expected: ${CSV_COLUMNS.join(", ")}.`,
          );
          headerRefused = true;
          continue;
        }
      }
      batch.push(validateRecord(record, rowNumber, options, routeByName));
      if (batch.length >= BATCH) await flush();
    }
    if (headerRefused) return summary(deps.db, scope, importId);
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
      await imports.delete(scope, importId);
      throw refused;
    }
    await imports.markFailed(scope, importId, `Line ${rowNumber}: ${(error as Error).message}`);
    return summary(deps.db, scope, importId);
  }
  for (const check of FILE_DUPLICATES) await imports.markFileDuplicates(scope, importId, check);
  await imports.countRows(scope, importId);
  await recordAudit(deps.db, audit, {
    action: "bulk-import.preview",
    accountId: enterprise.id,
    targetType: "bulk-import",
    targetId: importId,
  });
  return summary(deps.db, scope, importId);
}

function validateRecord(
  record: Record<string, string>,
  rowNumber: number,
  options: FormOptions,
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
async function checkBatch(db: Database, enterprise: Account, batch: Staged[]) {
  const conflicts = await batchConflicts(db, enterprise, {
    upns: [...new Set(batch.map((s) => s.upn.toLowerCase()).filter(Boolean))],
    numbers: batch.map((s) => s.data?.phoneNumber ?? "").filter((n) => n.startsWith("+")),
    sipUsers: batch.map((s) => s.data?.sipUser ?? "").filter(Boolean),
    authIds: batch.flatMap((s) => s.data?.devices.map((d) => d.authId) ?? []).filter(Boolean),
  });
  for (const s of batch) {
    if (!s.data) continue;
    if (s.upn) {
      const u = conflicts.teamsUserByUpn.get(s.upn.toLowerCase());
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
    if (conflicts.numberTaken(s.data.phoneNumber))
      s.errors.push({
        field: "phone_number",
        message: `${s.data.phoneNumber} is already assigned to another user.`,
      });
    if (conflicts.sipUserTaken(s.data.pbxLocation, s.data.sipUser))
      s.errors.push({
        field: "sip_user",
        message: `SIP user ${s.data.sipUser} is already assigned to another user.`,
      });
    for (const d of s.data.devices)
      if (conflicts.authIdTaken.has(d.authId))
        s.errors.push({
          field: "devices",
          message: `SIP Authentication ID ${d.authId} is already used by another device.`,
        });
  }
}

/** Duplicates inside the file, found in SQL so memory does not grow with the file. */
const FILE_DUPLICATES = [
  { field: "teams_upn", label: "Teams user", key: (data: string) => `lower(${data}->>'upn')` },
  {
    field: "sip_user",
    label: "SIP user",
    key: (data: string) => `(${data}->>'pbxLocation') || '/' || (${data}->>'sipUser')`,
  },
  { field: "phone_number", label: "Phone number", key: (data: string) => `${data}->>'phoneNumber'` },
];

export async function summary(db: Database, scope: TenantScope, importId: string) {
  return (await bulkImportRepository(db).find(scope, importId))!;
}

export async function listRows(
  db: Database,
  scope: TenantScope,
  importId: string,
  options: { errorsOnly: boolean; page: number; pageSize: number; cursor?: string; limit?: number },
) {
  const pageSize = options.limit ?? options.pageSize;
  const afterRow = options.cursor ? importRowCursor.decode(options.cursor)?.[0] : undefined;
  const rows = await bulkImportRepository(db).listRows(scope, importId, { ...options, pageSize, afterRow });
  return toPage(rows, pageSize, (last) => importRowCursor.encode([last.rowNumber]));
}

/** Cursors of an import's rows: the last row number. */
export const importRowCursor = keysetCursor("integer");

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
  const scope = tenantScope(enterprise);
  const imports = bulkImportRepository(deps.db);
  let after = 0;
  let options = await formOptions(deps.db, enterprise);
  let optionsAt = Date.now();
  for (;;) {
    const rows = await imports.pendingRows(scope, importId, after, 100);
    if (rows.length === 0) break;
    const byUpn = await teamsUserIdsByUpn(
      deps.db,
      enterprise,
      rows.map((r) => r.data!.upn.toLowerCase()),
    );
    if (Date.now() - optionsAt > 30_000) {
      // Consent or the Teams profile may change during a long import.
      options = await formOptions(deps.db, enterprise);
      optionsAt = Date.now();
    }
    // Claimed a batch at a time; a run that dies leaves its batch claimed, and the next run checks those.
    const claimed = new Set(
      await imports.claimRows(
        scope,
        importId,
        rows.map((r) => r.rowNumber),
      ),
    );
    for (const row of rows) {
      if (signal?.aborted) return { completed: false };
      after = row.rowNumber;
      if (!claimed.has(row.rowNumber)) continue; // finished meanwhile by another run
      const d = row.data!;
      if (row.outcome === ROW_APPLYING && (await isAddedAsDescribed(deps.db, enterprise, d))) {
        await imports.recordOutcome(scope, importId, row.rowNumber, "created");
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
        if (e.status === 409 && (await isAddedAsDescribed(deps.db, enterprise, d))) outcome = "created";
        else outcome = `failed: ${e.errors?.map((x) => x.message).join(" ") || e.message}`.slice(0, 500);
      }
      await imports.recordOutcome(scope, importId, row.rowNumber, outcome);
    }
  }
  // Another run may still hold a claimed row; whichever run sees none left completes the import.
  const completed = await deps.db.transaction(async (tx) => {
    const done = await imports.complete(scope, importId, tx);
    if (done) {
      await emitEvent(tx, {
        accountId: enterprise.id,
        type: "bulk-import.finished",
        data: { enterpriseId: enterprise.id, importId, status: "completed" },
      });
    }
    return done;
  });
  return { completed };
}
