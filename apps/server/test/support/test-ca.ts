import { execFileSync } from "node:child_process";
import { readFile, writeFile } from "node:fs/promises";
import path from "node:path";

/** Runs Debian's openssl in `cwd` (absolute path: /usr/bin may be all a CI PATH has). */
export const openssl = (args: string[], cwd: string) =>
  execFileSync("/usr/bin/openssl", args, { cwd, stdio: "pipe" });

/** A two-day test CA (`ca.key`, `ca.pem`) in `work`, standing in for the public roots. */
export function createTestCa(work: string): void {
  openssl(
    [
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "2",
      "-subj",
      "/CN=sip2teams test CA",
    ],
    work,
  );
}

/** A certificate `<name>.pem` (+ `<name>.key`) signed by the test CA in `work`, with this SAN and extended key usage. */
export async function issueCertificate(
  work: string,
  name: string,
  subject: { cn: string; san: string; eku: string },
): Promise<{ key: Buffer; cert: Buffer }> {
  openssl(
    [
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      `${name}.key`,
      "-out",
      `${name}.csr`,
      "-subj",
      `/CN=${subject.cn}`,
    ],
    work,
  );
  await writeFile(
    path.join(work, `${name}.ext`),
    `subjectAltName=${subject.san}\nextendedKeyUsage=${subject.eku}\n`,
  );
  openssl(
    [
      "x509",
      "-req",
      "-in",
      `${name}.csr`,
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      `${name}.pem`,
      "-days",
      "2",
      "-extfile",
      `${name}.ext`,
    ],
    work,
  );
  return {
    key: await readFile(path.join(work, `${name}.key`)),
    cert: await readFile(path.join(work, `${name}.pem`)),
  };
}
