// The client's address as the edge reports it (CF-Connecting-IP), for per-IP limits and IP
// hashes (docs/rate-limits.md). On Cloudflare the edge always sets the header. `npm start`'s socket
// has nobody in front to set it, so its entrypoint (worker/local-entry.ts) names the address a
// header-less request comes from, the loopback peer (docs/decisions/004-local-runtime.md), instead
// of copying every such Request to add a header (docs/decisions/021-edge-per-request-cost.md).

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
