/** A valid trunk profile body for `PUT /api/accounts/{enterprise}/trunk-profile`, with `change` applied. */
export function trunkProfileBody(change: Record<string, unknown> = {}) {
  return {
    label: "acme",
    pbxHost: "pbx.customer.example",
    pbxPort: 5060,
    transport: "UDP",
    sipDomain: "customer.example",
    outboundProxy: null,
    mode: "registration",
    allowedIps: [],
    maxConcurrentCalls: 20,
    codecs: ["PCMA", "PCMU"],
    ...change,
  };
}
