#!/usr/bin/env node
// Development: the server from source (restarted on change) on :3000 and Vite with hot reload on :5173,
// which proxies /api and /dev to the server. Ctrl-C stops both.
import { spawn } from "node:child_process";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const children = [
  spawn(
    process.execPath,
    ["--conditions=source", "--import", "tsx", "--watch", "apps/server/src/cli.ts", "start"],
    {
      cwd: root,
      stdio: "inherit",
      env: { ...process.env, PUBLIC_URL: process.env.PUBLIC_URL ?? "http://localhost:5173" },
    },
  ),
  spawn("npm", ["run", "dev", "--workspace", "apps/web"], { cwd: root, stdio: "inherit" }),
];
const stop = () => {
  for (const child of children) child.kill("SIGINT");
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
for (const child of children) child.on("exit", stop);
