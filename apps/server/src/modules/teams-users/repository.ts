import type { Executor } from "../../db/client.js";
import { devicesRepository } from "./devices/repository.js";
import { directoryRepository } from "./directory/repository.js";
import { usersRepository } from "./users/repository.js";

/**
 * The teams-users module's data access, one part per job. Every method takes the tenant scope first
 * (`(scope, …, tx?)`), and updates and deletes carry it; each part's `platform` methods are the few
 * platform-wide statements (schedule sweeps, platform-wide uniqueness) that no tenant request reaches.
 */
export function teamsUsersRepository(db: Executor) {
  return {
    directory: directoryRepository(db),
    users: usersRepository(db),
    devices: devicesRepository(db),
  };
}

export type TeamsUsersRepository = ReturnType<typeof teamsUsersRepository>;
