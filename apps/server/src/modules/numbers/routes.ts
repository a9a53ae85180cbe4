import type { FastifyPluginAsyncZod } from "fastify-type-provider-zod";
import { z } from "zod";
import type { Database } from "../../db/client.js";
import { targetAccountOf } from "../../http/access.js";
import { cursorAndLimitParams, nextCursorField } from "../../http/pagination.js";
import { Problem } from "../../http/problem.js";
import { text, uuid } from "../../http/schema-primitives.js";
import { requestAuditContext } from "../audit/index.js";
import { accountRepository } from "../tenancy/index.js";
import { limitBody, NUMBERS_CSV_LIMITS, numbersFromCsv } from "./csv.js";
import { addNumbers, allocateNumbers, expandRange, listNumbers, numberCursor } from "./service.js";

const params = z.object({ accountId: uuid() });
const stateEnum = z.enum(["available", "reserved", "assigned", "quarantined"]);

/** Number inventory: the operator or a partner uploads numbers and allocates blocks; enterprises see theirs. */
export function numbersRoutes(deps: { db: Database }): FastifyPluginAsyncZod {
  return async (app) => {
    app.get(
      "/api/accounts/:accountId/numbers",
      {
        config: { access: { kind: "account", permission: "read" } },
        schema: {
          tags: ["numbers"],
          operationId: "listNumbers",
          params,
          querystring: z.object({
            search: text(20).optional(),
            state: stateEnum.optional(),
            page: z.coerce.number().int().min(1).max(100_000).default(1),
            pageSize: z.coerce.number().int().min(1).max(500).default(50),
            ...cursorAndLimitParams(numberCursor),
          }),
          response: {
            200: z.object({
              total: z.number().int(),
              nextCursor: nextCursorField,
              items: z.array(
                z.object({
                  number: z.string(),
                  state: stateEnum,
                  enterpriseAccountId: z.string().nullable(),
                  enterpriseName: z.string().nullable(),
                  quarantinedUntil: z.date().nullable(),
                  conflict: z.string().nullable(),
                }),
              ),
            }),
          },
        },
      },
      async (request) => listNumbers(deps.db, targetAccountOf(request), request.query),
    );

    app.post(
      "/api/accounts/:accountId/numbers",
      {
        bodyLimit: NUMBERS_CSV_LIMITS.maxBodyBytes,
        preParsing: async (_request, _reply, payload) => limitBody(payload, NUMBERS_CSV_LIMITS.maxBodyBytes),
        // numbersFromCsv refuses a NUL character per line (`csv.<line>`), which says more than `csv`.
        config: { access: { kind: "account", permission: "write" }, nulCheckedByHandler: ["csv"] },
        schema: {
          tags: ["numbers"],
          operationId: "addNumbers",
          description:
            "A range (first–last, at most 10,000 numbers) or a CSV whose first column holds the numbers. " +
            `The CSV: at most ${NUMBERS_CSV_LIMITS.maxChars.toLocaleString("en-US")} characters, ` +
            `${NUMBERS_CSV_LIMITS.maxLines.toLocaleString("en-US")} lines of ` +
            `${NUMBERS_CSV_LIMITS.maxLineChars.toLocaleString("en-US")} characters, UTF-8 text without NUL ` +
            `characters; the request body at most ${NUMBERS_CSV_LIMITS.maxBodyBytes / 1024 / 1024} MB (413 beyond).`,
          params,
          body: z.union([
            z.object({ first: text(20), last: text(20) }),
            z.object({ csv: z.string().max(NUMBERS_CSV_LIMITS.maxChars) }),
          ]),
          response: { 201: z.object({ added: z.number().int(), alreadyKnown: z.array(z.string()) }) },
        },
      },
      async (request, reply) => {
        const account = targetAccountOf(request);
        if (account.kind === "enterprise")
          throw Problem.forbidden("Numbers are uploaded by the operator or a partner.");
        let numbers: string[];
        if ("csv" in request.body) numbers = numbersFromCsv(request.body.csv);
        else numbers = expandRange(request.body.first, request.body.last);
        const result = await addNumbers(deps.db, requestAuditContext(request), account, numbers);
        return reply.code(201).send(result);
      },
    );

    app.post(
      "/api/accounts/:accountId/numbers/allocate",
      {
        config: { access: { kind: "account", permission: "write" } },
        schema: {
          tags: ["numbers"],
          operationId: "allocateNumbers",
          params,
          body: z.object({
            enterpriseAccountId: uuid(),
            first: text(20),
            last: text(20).optional(),
          }),
          response: { 200: z.object({ allocated: z.number().int(), refused: z.array(z.string()) }) },
        },
      },
      async (request) => {
        const account = targetAccountOf(request);
        const enterprise = await accountRepository(deps.db).findWithinScope(
          account,
          request.body.enterpriseAccountId,
        );
        if (!enterprise) throw Problem.field("enterpriseAccountId", "Choose an enterprise you manage.");
        const numbers = expandRange(request.body.first, request.body.last ?? request.body.first);
        return allocateNumbers(deps.db, requestAuditContext(request), account, enterprise, numbers);
      },
    );
  };
}
