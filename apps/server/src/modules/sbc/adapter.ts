/**
 * What the portal asks of an SBC, independent of the product.
 *
 * The portal holds the desired state of each enterprise (its trunk profile, its SIP devices and the
 * numbers routed to them); an adapter makes one SBC hold exactly that state. The operation is
 * declarative (`sync`), so it is idempotent and safe to retry: a job may run it again after a crash,
 * and an SBC that lost its configuration is repaired by the next run.
 *
 * Kamailio (`kamailio/adapter.ts`) writes Kamailio's own tables and reloads them over JSON-RPC.
 * A commercial SBC with a REST API implements the same three methods: it lists its objects for the
 * enterprise, creates/updates/deletes the difference (trunk, registrations, number routes), and
 * reports registration and OPTIONS state from its own status endpoints.
 */
export interface SbcAdapter {
  /** "kamailio", … (shown in the status view). */
  readonly kind: string;
  /** Makes the SBC hold exactly `desired` for this enterprise; `null` removes the enterprise. */
  sync(enterpriseId: string, desired: SbcEnterpriseConfig | null): Promise<SbcSyncResult>;
  /** Live state of what the SBC holds for the enterprise. */
  status(enterpriseId: string): Promise<SbcEnterpriseStatus>;
  /** Every enterprise the SBC holds something for (to find those removed from the portal). */
  enterpriseIds(): Promise<string[]>;
  /** The SBC database's call detail records, for modules/call-logs (Kamailio: `acc_cdrs`, sbc/README.md). */
  callRecords(): Promise<SbcCallRecords>;
  close(): Promise<void>;
}

/**
 * SQL on the SBC database where the SBC writes its call detail records. Kamailio's acc module writes
 * `acc_cdrs` with the `s2t_*` columns the portal's schema install adds (`kamailio/schema.ts`); the
 * call-logs module owns the queries.
 */
export interface SbcCallRecords {
  query<Row extends Record<string, unknown>>(text: string, values: unknown[]): Promise<Row[]>;
}

/** The SIP side of an enterprise's trunk profile (from `modules/trunks`). */
export interface SbcTrunk {
  enterpriseId: string;
  /** Derived trunk FQDN, `<customer>.<base domain>`: the Contact/Record-Route host toward Microsoft. */
  fqdn: string;
  pbxHost: string;
  pbxPort: number;
  transport: "UDP" | "TCP" | "TLS";
  /** The PBX's SIP domain (registrar domain, From/To host toward the PBX). */
  sipDomain: string;
  /**
   * The realm of the PBX's digest challenges (the trunk profile's SIP realm, else the SIP domain):
   * an SBC that can store digest HA1 = MD5(auth id:realm:password) stores that, not the password.
   */
  realm: string;
  outboundProxy: string | null;
  mode: "registration" | "static-ip";
  /** Static-IP trunks: addresses or CIDR ranges the PBX sends from. */
  allowedIps: string[];
  /** Concurrent calls the trunk carries at most (the PBX gets 503 beyond). */
  maxConcurrentCalls: number;
  /**
   * A Teams user's transfer: "strip" removes REFER from Allow toward Microsoft (Teams performs it);
   * "route" lets REFER through and routes the PBX's transfer INVITE back to Microsoft.
   */
  transferMode: "strip" | "route";
  /**
   * The codecs the trunk carries, as SDP encoding names (`PCMA`, `opus`, …): an offer keeps only these
   * (and telephone-event) both ways, and one with none of them is refused (488). Empty: no restriction.
   */
  codecs: string[];
}

/**
 * One SIP device of a provisioned Teams user: the SBC registers it to the PBX with exactly these
 * credentials, and calls between the PBX and the user's Teams number go through it.
 */
export interface SbcDevice {
  id: string;
  enterpriseId: string;
  trunkFqdn: string;
  /** The user's extension on the PBX. */
  sipUser: string;
  /** "SIP Authentication ID". */
  authId: string;
  /** May be computed on access (decrypted): adapters read it only for devices they write. */
  password: string;
  /** Changes whenever the credentials change (e.g. the sealed password), so adapters can tell. */
  revision: string;
  /** The Teams user's number, E.164 (`+15551230001`). */
  number: string;
  /** False: the number is not routed in either direction (Disable Calling). */
  callingEnabled: boolean;
}

export interface SbcEnterpriseConfig {
  trunk: SbcTrunk;
  devices: SbcDevice[];
}

export interface SbcSyncResult {
  adapter: string;
  /** What changed on the SBC for this run (ids of devices, E.164 numbers). */
  trunk: "added" | "changed" | "removed" | "unchanged";
  devices: { added: string[]; changed: string[]; removed: string[] };
  numbers: { added: string[]; removed: string[] };
  /** Whether the running SBC was told to use the changes (false: written, not yet activated). */
  activated: boolean;
  /** Why not activated, e.g. "KAMAILIO_RPC_URL is not set". */
  note?: string;
}

export type RegistrationState = "registered" | "registering" | "failed" | "disabled" | "unknown";
export type DestinationState = "reachable" | "unreachable" | "probing" | "disabled" | "unknown";

export interface SbcDeviceStatus {
  deviceId: string;
  sipUser: string;
  authId: string;
  registrar: string;
  state: RegistrationState;
  /** When the last successful registration was sent (approximate, from the refresh timer). */
  lastRegisteredAt: string | null;
  /** When the current registration runs out. */
  expiresAt: string | null;
}

export interface SbcDestinationStatus {
  uri: string;
  state: DestinationState;
}

/** One SBC node's own view of the enterprise's destinations and registrations. */
export interface SbcNodeStatus {
  /** The node's name (Kamailio: its JSON-RPC URL's host:port). */
  node: string;
  reachable: boolean;
  /** Why the node's live state could not be read. */
  error: string | null;
  microsoftProxies: SbcDestinationStatus[];
  pbx: SbcDestinationStatus[];
  devices: Pick<SbcDeviceStatus, "deviceId" | "state" | "lastRegisteredAt" | "expiresAt">[];
}

/**
 * What the SBC holds for an enterprise and its live state. An SBC of several nodes gives each node's view in
 * `nodes`, and the top-level live fields merge them (`status-merge.ts`): a destination or device is up when
 * any answering node sees it up.
 */
export interface SbcEnterpriseStatus {
  adapter: string;
  /**
   * Whether live state could be read (Kamailio: JSON-RPC configured and answering): `reachable` when at
   * least one node answered; `error` names the nodes that did not (null when all answered).
   */
  live: { configured: boolean; reachable: boolean; error: string | null };
  trunk: { fqdn: string; mode: SbcTrunk["mode"]; appliedAt: string; pendingActivation: boolean } | null;
  /** OPTIONS keep-alive state of Microsoft's SIP proxies. */
  microsoftProxies: SbcDestinationStatus[];
  /** OPTIONS state of the enterprise's PBX destinations. */
  pbx: SbcDestinationStatus[];
  devices: SbcDeviceStatus[];
  /** Each node's own view, in configuration order (empty when no node is configured). */
  nodes: SbcNodeStatus[];
}
