/** Kamailio's JSON-RPC over HTTP (modules jsonrpcs + xhttp), e.g. http://127.0.0.1:5090/RPC. */
export class KamailioRpcError extends Error {
  constructor(
    readonly method: string,
    readonly code: number,
    message: string,
  ) {
    super(`${method}: ${code} ${message}`);
    this.name = "KamailioRpcError";
  }
}

export type KamailioRpc = <T = unknown>(method: string, params?: unknown[]) => Promise<T>;

export function kamailioRpc(url: string, timeoutMs = 3000): KamailioRpc {
  let id = 0;
  return async <T>(method: string, params: unknown[] = []) => {
    const response = await fetch(url, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", method, params, id: ++id }),
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!response.ok) throw new KamailioRpcError(method, response.status, response.statusText);
    const body = (await response.json()) as {
      result?: T;
      error?: { code: number; message: string };
    };
    if (body.error) throw new KamailioRpcError(method, body.error.code, body.error.message);
    return body.result as T;
  };
}

/** True for "Record not found" and the like, which idempotent callers may ignore. */
export function isNotFound(error: unknown): boolean {
  return error instanceof KamailioRpcError && error.code === 404;
}
