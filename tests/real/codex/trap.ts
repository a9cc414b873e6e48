/**
 * An egress trap: a TCP listener on 127.0.0.1 set as the pane's `HTTPS_PROXY`/`HTTP_PROXY`/
 * `ALL_PROXY` (with `NO_PROXY` for loopback, so the mock is reached directly). Whatever Codex
 * tries to reach beyond the mock arrives here as `CONNECT host:443`, is recorded and refused: no
 * call leaves the machine even where the network is open, and a test can list them.
 *
 * @module
 */

/** A running trap. */
export interface EgressTrap {
  /** Proxy URL, `http://127.0.0.1:<port>`. */
  url: string;
  /** The first request line of every connection, e.g. `CONNECT raw.githubusercontent.com:443 HTTP/1.1`. */
  seen: string[];
  /** Stops listening. Idempotent. */
  close(): void;
}

/** Starts a trap on an ephemeral port of 127.0.0.1. */
export function startEgressTrap(): EgressTrap {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const seen: string[] = [];
  const refuse = new TextEncoder().encode("HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n");
  (async () => {
    for await (const conn of listener) {
      const buf = new Uint8Array(1024);
      const n = await conn.read(buf).catch(() => null);
      seen.push(new TextDecoder().decode(buf.subarray(0, n ?? 0)).split("\r\n")[0]);
      await conn.write(refuse).catch(() => 0);
      conn.close();
    }
  })().catch(() => {/* closed */});
  let closed = false;
  return {
    url: `http://127.0.0.1:${(listener.addr as Deno.NetAddr).port}`,
    seen,
    close() {
      if (closed) return;
      closed = true;
      listener.close();
    },
  };
}

/** The proxy variables that send every non-loopback call to `url`. */
export function proxyEnv(url: string): Record<string, string> {
  const env: Record<string, string> = {
    NO_PROXY: "127.0.0.1,localhost",
    no_proxy: "127.0.0.1,localhost",
  };
  for (const name of ["HTTPS_PROXY", "HTTP_PROXY", "ALL_PROXY"]) {
    env[name] = url;
    env[name.toLowerCase()] = url;
  }
  return env;
}
