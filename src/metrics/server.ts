/**
 * The metrics endpoint of `monitor` and `supervise` (`--metrics-listen HOST:PORT`): `GET /metrics`
 * in the Prometheus text format and `GET /healthz` for probes (200 or 503, a small JSON body).
 * Nothing else is served; nothing is ever read from a request but its method and path.
 *
 * Where it listens: a bare port is loopback (`9464` → `127.0.0.1:9464`); any other interface
 * must be written out (`0.0.0.0:9464`, `[::]:9464`, `10.0.0.5:9464`); `:9464` is refused
 * rather than guessed. The host is an IP address or `localhost`, never a name to resolve.
 *
 * @module
 */

import { UsageError, UserError } from "../state/errors.ts";
import type { Health } from "./monitor_metrics.ts";
import { EXPOSITION_CONTENT_TYPE } from "./exposition.ts";

/** A parsed `--metrics-listen` value. */
export interface ListenAddress {
  /** IP address to bind (IPv6 without brackets). */
  hostname: string;
  /** Port (0: any free port). */
  port: number;
  /** Whether only this host can connect. */
  loopback: boolean;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

function isIpv4(host: string): boolean {
  const m = IPV4.exec(host);
  return m !== null && m.slice(1).every((part) => Number(part) <= 255);
}

function isIpv6(host: string): boolean {
  return /^[0-9a-fA-F:.]+$/.test(host) && host.includes(":") && host.split("::").length <= 2;
}

/** Why a `--metrics-listen` value is refused, if it is (the option table's `check`). */
export function checkListenAddress(text: string): string | undefined {
  try {
    parseListenAddress(text);
    return undefined;
  } catch (error) {
    return (error as Error).message;
  }
}

/**
 * Parses `PORT`, `HOST:PORT` or `[IPV6]:PORT`; throws a `UsageError` naming what is wrong.
 *
 * @example
 * ```ts
 * import { parseListenAddress } from "./server.ts";
 * parseListenAddress("9464"); // { hostname: "127.0.0.1", port: 9464, loopback: true }
 * parseListenAddress("0.0.0.0:9464"); // { hostname: "0.0.0.0", port: 9464, loopback: false }
 * ```
 */
export function parseListenAddress(text: string): ListenAddress {
  const value = text.trim();
  let host: string;
  let portText: string;
  if (/^\d+$/.test(value)) {
    host = "127.0.0.1";
    portText = value;
  } else {
    const m = /^\[([^\]]*)\]:(\d+)$/.exec(value) ?? /^([^:[\]]*):(\d+)$/.exec(value);
    if (!m) throw new UsageError(`expected PORT or HOST:PORT (IPv6 as [ADDR]:PORT), not ${value}`);
    [, host, portText] = m;
    if (host === "") {
      throw new UsageError(
        `give the address to listen on: 127.0.0.1:${portText} (this host only) or ` +
          `0.0.0.0:${portText} (every interface)`,
      );
    }
    if (host === "localhost") host = "127.0.0.1";
    if (!isIpv4(host) && !isIpv6(host)) {
      throw new UsageError(`expected an IP address or localhost, not ${host}`);
    }
  }
  const port = Number(portText);
  if (!Number.isInteger(port) || port > 65535) {
    throw new UsageError(`port must be 0 to 65535, not ${portText}`);
  }
  const loopback = host.startsWith("127.") || host === "::1";
  return { hostname: host, port, loopback };
}

/** `HOST:PORT` for logs and URLs (IPv6 in brackets). */
export function formatAddress(address: { hostname: string; port: number }): string {
  return address.hostname.includes(":")
    ? `[${address.hostname}]:${address.port}`
    : `${address.hostname}:${address.port}`;
}

/** What the endpoint serves. */
export interface MetricsSource {
  /** The `/metrics` text. */
  render(): string | Promise<string>;
  /** The `/healthz` answer. */
  health(): Health | Promise<Health>;
}

/** A running endpoint. */
export interface MetricsServer {
  /** Where it listens (the real port when 0 was asked for). */
  address: ListenAddress;
  /** Stops listening and waits for open requests. */
  close(): Promise<void>;
}

const HEADERS_TEXT = { "content-type": EXPOSITION_CONTENT_TYPE, "cache-control": "no-store" };
const HEADERS_JSON = { "content-type": "application/json", "cache-control": "no-store" };

/** Answers one request (exported for tests without a socket). */
export async function handleMetricsRequest(
  request: Request,
  source: MetricsSource,
): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response("Method not allowed\n", { status: 405, headers: { allow: "GET, HEAD" } });
  }
  const path = new URL(request.url).pathname;
  if (path === "/metrics") {
    return new Response(await source.render(), { headers: HEADERS_TEXT });
  }
  if (path === "/healthz") {
    const health = await source.health();
    return new Response(JSON.stringify(health.body) + "\n", {
      status: health.ok ? 200 : 503,
      headers: HEADERS_JSON,
    });
  }
  if (path === "/") {
    return new Response("tmux-orc: see /metrics and /healthz\n", { headers: HEADERS_TEXT });
  }
  return new Response("Not found\n", { status: 404 });
}

/**
 * Starts listening; a port in use or an address not on this host is a {@linkcode UserError}
 * (one line, exit 1).
 */
export function serveMetrics(address: ListenAddress, source: MetricsSource): MetricsServer {
  const abort = new AbortController();
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname: address.hostname,
      port: address.port,
      signal: abort.signal,
      onListen: () => {},
      onError: () => new Response("Internal error\n", { status: 500 }),
    }, (request) => handleMetricsRequest(request, source));
  } catch (error) {
    const why = error instanceof Deno.errors.AddrInUse
      ? "address in use"
      : error instanceof Deno.errors.AddrNotAvailable
      ? "no such address on this host"
      : (error as Error).message;
    throw new UserError(`Cannot serve metrics on ${formatAddress(address)}: ${why}`);
  }
  return {
    address: { ...address, port: server.addr.port },
    close: async () => {
      abort.abort();
      await server.finished.catch(() => {});
    },
  };
}

/**
 * `GET http://127.0.0.1:PORT/PATH` over a plain socket (no proxy settings apply), bounded by
 * `timeoutMs`; resolves with the status and body, rejects on any failure.
 */
export async function getLoopback(
  port: number,
  path: string,
  options: { timeoutMs: number; maxBytes?: number },
): Promise<{ status: number; body: string }> {
  const maxBytes = options.maxBytes ?? 32 * 1024 * 1024;
  const conn = await withTimeout(
    Deno.connect({ hostname: "127.0.0.1", port }),
    options.timeoutMs,
  );
  const timer = setTimeout(() => {
    try {
      conn.close();
    } catch { /* closed */ }
  }, options.timeoutMs);
  try {
    const request = `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${port}\r\nConnection: close\r\n\r\n`;
    await conn.write(new TextEncoder().encode(request));
    const chunks: Uint8Array[] = [];
    let size = 0;
    for await (const chunk of conn.readable) {
      size += chunk.length;
      if (size > maxBytes) throw new Error(`response larger than ${maxBytes} bytes`);
      chunks.push(chunk);
    }
    return parseResponse(concat(chunks, size));
  } finally {
    clearTimeout(timer);
    try {
      conn.close();
    } catch { /* closed by the readable's end */ }
  }
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

function concat(chunks: readonly Uint8Array[], size: number): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    out.set(chunk, at);
    at += chunk.length;
  }
  return out;
}

/** An HTTP/1.1 response: status line, headers, body (plain or chunked). */
function parseResponse(bytes: Uint8Array): { status: number; body: string } {
  const text = new TextDecoder().decode(bytes);
  const end = text.indexOf("\r\n\r\n");
  if (end < 0) throw new Error("incomplete HTTP response");
  const head = text.slice(0, end).split("\r\n");
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(head[0])?.[1]);
  if (!Number.isInteger(status)) throw new Error("not an HTTP response");
  const chunked = head.some((h) => /^transfer-encoding:\s*chunked/i.test(h));
  let body = text.slice(end + 4);
  if (chunked) body = unchunk(body);
  return { status, body };
}

function unchunk(body: string): string {
  // Chunk sizes count bytes: decode each chunk from the bytes, not the string.
  const bytes = new TextEncoder().encode(body);
  const out: Uint8Array[] = [];
  let at = 0;
  let total = 0;
  const decoder = new TextDecoder();
  while (at < bytes.length) {
    const lineEnd = bytes.indexOf(0x0a, at);
    if (lineEnd < 0) break;
    const size = parseInt(decoder.decode(bytes.subarray(at, lineEnd)).trim(), 16);
    if (!Number.isFinite(size) || size === 0) break;
    out.push(bytes.subarray(lineEnd + 1, lineEnd + 1 + size));
    total += size;
    at = lineEnd + 1 + size + 2;
  }
  return decoder.decode(concat(out, total));
}
