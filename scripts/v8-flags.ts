// The V8 flags of every workerd this repository starts (scripts/runtime.ts hands them to
// Miniflare, cli/lib/ceiling-worker.ts writes them into the bare ceiling's config).

/**
 * V8 flags for every workerd this repository starts: `npm start`, the bench's worker and its
 * ceilings (cli/lib/ceiling-worker.ts), the probes. workerd finalizes the C++ side of its API
 * objects (every Request, Response, Headers, promise continuation JavaScript saw) inside the
 * collector's pauses: after each scavenge, and atomically in each mark-compact, so a pause grows
 * with the API objects made since the previous one (docs/decisions/050-collector-pauses.md).
 * A 4 MB semi-space instead of V8's 16 MB scavenges four times as often with a quarter as much
 * to finalize each time, and lowers the old generation's limit (which counts the new space's
 * capacity), so mark-compacts come about twice as often: at 1,500 reserves/s scavenges fall
 * from ~14 to ~2 ms and mark-compacts from ~110 to ~55 ms, with no measurable cost at the peak.
 * It changes when the collector runs, not what the Worker computes; Cloudflare's own runtime
 * takes no flags from us, so this shapes local runs only.
 */
export const WORKERD_V8_FLAGS: readonly string[] = ["--max-semi-space-size=4"];

/**
 * Ours first, then any from MINIFLARE_WORKERD_V8_FLAGS (space separated, e.g. "--trace-gc-nvp"):
 * V8 takes the last value of a flag given twice, so a run can still override ours.
 */
export function workerdV8Flags(extra = process.env.MINIFLARE_WORKERD_V8_FLAGS ?? ""): string[] {
	const ours = [...WORKERD_V8_FLAGS];
	const theirs = extra.split(" ").filter((flag) => flag !== "" && !ours.includes(flag));
	return [...ours, ...theirs];
}
