// meta.requestId (docs/api.md, "Envelope"): Cloudflare's edge names each request in `cf-ray`, and
// answering with it lets a request be found in Cloudflare's logs. Any client can send that header
// too (locally nothing in front sets it), so only a value shaped like an id is echoed: 1–64
// printable ASCII characters, none of them a space or one of `<>"'&`, so a requestId is safe to
// show or log as it is. Anything else gets the Worker's own id.

/**
 * `!`, `#`–`%`, `(`–`;`, `=`, `?`–`~`: printable ASCII without space, `"`, `&`, `'`, `<` and `>`.
 * A ray id ("8f1b2c3d4e5f6a7b-LHR") passes. One regular-expression test of a short header: no
 * cost a request would notice (docs/hot-path/edge-cost.md, "The edge's per-request cost").
 */
const ECHOED_ID = /^[!#-%(-;=?-~]{1,64}$/;

/**
 * The Worker's own ids: a prefix drawn once per isolate (the clock and a random draw) and a
 * counter, so an id costs one string concatenation (a clock read and a random draw per request
 * showed in the CPU profile, docs/hot-path/edge-cost.md "The edge's per-request cost"). Unique
 * within an isolate by the counter, and across isolates by the prefix. Drawn at the first
 * request, not at module scope: there workerd's clock reads 0 and its I/O-free start gives every
 * isolate the same moment, so the prefix would name no time.
 */
let idPrefix: string | null = null;
let counter = 0;

/**
 * The request's id: its `cf-ray` when that looks like an id, else one of the Worker's own. The id
 * is joined, not concatenated: `+` (or a template) makes a string of 13 characters or more a
 * "cons" string, a pair of pointers, and V8's fast `JSON.stringify` refuses one and serializes the
 * whole value again on its slow path. Every envelope's meta holds this id, so one cons id sent
 * every answer's JSON down that path (docs/hot-path/instructions.md).
 * `join` copies the parts into one flat string.
 */
export function requestIdOf(cfRay: string | undefined): string {
	if (cfRay !== undefined && ECHOED_ID.test(cfRay)) return cfRay;
	idPrefix ??= `${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 10)}`;
	counter += 1;
	return [idPrefix, counter.toString(36)].join("-");
}
