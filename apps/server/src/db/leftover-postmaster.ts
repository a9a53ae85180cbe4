import { readFileSync } from "node:fs";
import { readFile, unlink } from "node:fs/promises";
import path from "node:path";

/** The fields of /proc/<pid>/stat after the command name (state, parent pid, …), or null when unreadable. */
function statFields(pid: number): string[] | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  } catch {
    return null;
  }
}

/** A process is gone when signalling it fails with ESRCH, or when it is only a zombie nobody reaped. */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
  return statFields(pid)?.[0] !== "Z";
}

function commandLine(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, "utf8").replaceAll("\0", " ");
  } catch {
    return null;
  }
}

/**
 * The Node process that started this postmaster and still runs it, or null when the postmaster was orphaned
 * (its parent died and it was handed to init or a subreaper) or is this process's own. Embedded PostgreSQL is
 * only ever started by a Node process (sip2teams, a test, a benchmark), so any other parent means a leftover.
 */
function liveOwner(postmasterPid: number): { pid: number; command: string } | null {
  const parent = Number(statFields(postmasterPid)?.[1] ?? 0);
  if (parent <= 1 || parent === process.pid || !isRunning(parent)) return null;
  const command = commandLine(parent);
  const program = path.basename(command?.split(" ")[0] ?? "");
  return command !== null && /^node(js)?$/.test(program) ? { pid: parent, command: command.trim() } : null;
}

async function exited(pid: number, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (isRunning(pid)) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return true;
}

/**
 * A previous run that was killed (SIGKILL, OOM, power loss of the parent only) leaves its postmaster running
 * on the cluster, holding `postmaster.pid`, and a new postmaster refuses to start. This stops such a leftover
 * cleanly (fast shutdown: open transactions roll back) and returns the one line that says so, or null when
 * there was nothing to do. A lock file naming a process that is not PostgreSQL is removed. A postmaster whose
 * process still runs it is not a leftover: a second sip2teams on the same data folder is refused, and the
 * running one keeps its database.
 */
export async function stopLeftoverPostmaster(databaseDir: string): Promise<string | null> {
  const lockFile = path.join(databaseDir, "postmaster.pid");
  const text = await readFile(lockFile, "utf8").catch(() => null);
  if (text === null) return null;
  const pid = Number.parseInt(text.split("\n")[0] ?? "", 10);
  // PostgreSQL itself replaces a lock file whose process is gone.
  if (!Number.isInteger(pid) || pid <= 0 || !isRunning(pid)) return null;
  const command = commandLine(pid);
  if (command !== null && !command.includes("postgres")) {
    await unlink(lockFile).catch(() => {});
    return `Removed a stale ${lockFile}: its process ${pid} is not PostgreSQL.`;
  }
  const owner = liveOwner(pid);
  if (owner)
    throw new Error(
      `The data folder's PostgreSQL (${databaseDir}, pid ${pid}) belongs to a process that is running: pid ` +
        `${owner.pid} (${owner.command.slice(0, 200)}). Stop that one first, or give this one its own DATA_DIR.`,
    );
  process.kill(pid, "SIGINT");
  if (!(await exited(pid, 30_000))) {
    // Immediate shutdown; PostgreSQL recovers from its WAL on the next start.
    process.kill(pid, "SIGQUIT");
    if (!(await exited(pid, 10_000))) {
      throw new Error(
        `PostgreSQL (pid ${pid}) left running on ${databaseDir} by a previous run does not stop; stop it and start again.`,
      );
    }
    return `Stopped PostgreSQL left running by a previous run (pid ${pid}) on ${databaseDir} (immediate shutdown; it recovers on start).`;
  }
  return `Stopped PostgreSQL left running by a previous run (pid ${pid}) on ${databaseDir}.`;
}
