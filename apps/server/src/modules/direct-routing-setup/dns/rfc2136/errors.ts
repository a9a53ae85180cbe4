/**
 * A failed dynamic update, with a message an operator can act on. `permanent` failures (refused, bad key,
 * not the zone) will not heal by retrying; unreachable servers and SERVFAIL may.
 */
export class DnsUpdateError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly permanent: boolean,
  ) {
    super(message);
    this.name = "DnsUpdateError";
  }
}

export const RCODE_NAMES: Record<number, string> = {
  0: "NOERROR",
  1: "FORMERR",
  2: "SERVFAIL",
  3: "NXDOMAIN",
  4: "NOTIMP",
  5: "REFUSED",
  6: "YXDOMAIN",
  7: "YXRRSET",
  8: "NXRRSET",
  9: "NOTAUTH",
  10: "NOTZONE",
};

export interface UpdateContext {
  server: string;
  port: number;
  zone: string;
  keyName: string;
  algorithm: string;
}

/** The operator-facing message for an RCODE (RFC 1035, RFC 2136) or a TSIG error (RFC 8945). */
export function updateError(ctx: UpdateContext, rcode: number, tsigError: number): DnsUpdateError {
  const where = `${ctx.server}:${ctx.port}`;
  switch (tsigError) {
    case 16:
      return new DnsUpdateError(
        "BADSIG",
        `The DNS server ${where} rejected the TSIG signature (BADSIG): the secret of key "${ctx.keyName}" does not match the server's.`,
        true,
      );
    case 17:
      return new DnsUpdateError(
        "BADKEY",
        `The DNS server ${where} does not know TSIG key "${ctx.keyName}" with algorithm ${ctx.algorithm} (BADKEY). Check the key name and algorithm.`,
        true,
      );
    case 18:
      return new DnsUpdateError(
        "BADTIME",
        `The DNS server ${where} rejected the request's time (BADTIME): the clocks of the portal and the server differ by more than 5 minutes.`,
        true,
      );
  }
  switch (rcode) {
    case 5:
      return new DnsUpdateError(
        "REFUSED",
        `The DNS server ${where} refused the update (REFUSED): its policy does not let key "${ctx.keyName}" update zone ${ctx.zone} (check allow-update / update-policy), or it does not serve that zone.`,
        true,
      );
    case 9:
      return new DnsUpdateError(
        "NOTAUTH",
        `The DNS server ${where} is not authoritative for zone ${ctx.zone} or did not accept key "${ctx.keyName}" (NOTAUTH). Point the adapter at the zone's primary server and check the key.`,
        true,
      );
    case 10:
      return new DnsUpdateError("NOTZONE", `A record name is outside zone ${ctx.zone} (NOTZONE).`, true);
    case 4:
      return new DnsUpdateError(
        "NOTIMP",
        `The DNS server ${where} does not support dynamic updates (NOTIMP).`,
        true,
      );
    case 7:
      return new DnsUpdateError(
        "YXRRSET",
        "A CNAME record exists at this name, so no other record can be added there (YXRRSET). Remove the CNAME, or choose CNAME for trunk records.",
        true,
      );
    case 2:
      return new DnsUpdateError(
        "SERVFAIL",
        `The DNS server ${where} failed to apply the update (SERVFAIL).`,
        false,
      );
    default:
      return new DnsUpdateError(
        RCODE_NAMES[rcode] ?? `RCODE${rcode}`,
        `The DNS server ${where} answered ${RCODE_NAMES[rcode] ?? `RCODE ${rcode}`} to the update.`,
        true,
      );
  }
}
