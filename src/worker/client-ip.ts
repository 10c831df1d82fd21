// The client's address as the edge reports it (CF-Connecting-IP), and the key every per-address
// limit and IP hash counts it by (clientKeyOf: an IPv6 address by its prefix, src/domain/client-key.ts;
// docs/rate-limits.md, "Client IPs"). On Cloudflare the edge always sets the header. `npm start`'s socket
// has nobody in front to set it, so its entrypoint (worker/local-entry.ts) names the address a
// header-less request comes from, the loopback peer (docs/decisions/004-local-runtime.md), instead
// of copying every such Request to add a header (docs/decisions/021-edge-per-request-cost.md).

import { clientKey } from "../domain/client-key.ts";
import type { Ctx } from "./http.ts";

/** What a request without CF-Connecting-IP is counted as: nobody said, so one shared "unknown". */
const NO_HEADER = "unknown";

let missingHeaderIp = NO_HEADER;

/** Called by the local entrypoint: this isolate serves a loopback socket whose peer is `ip`. */
export function setMissingHeaderIp(ip: string): void {
	missingHeaderIp = ip;
}

export function clientIpOf(headers: { header(name: string): string | undefined }): string {
	return headers.header("cf-connecting-ip") ?? missingHeaderIp;
}

/**
 * The key this request's client is counted by, for every per-address limit (the session, reads
 * and writes buckets, the reset limiter) and every IP hash (the session's `ipHash`): one function,
 * so no limit counts a client by a different key than another.
 */
export function clientKeyOf(c: Ctx): string {
	return clientKey(clientIpOf(c.req), c.get("config").ipv6PrefixBits);
}
