import { type Context, Hono } from "hono";
import { z } from "zod";
import { isIpAddress } from "../../domain/client-key.ts";
import { MAX_BEARER_TOKEN_CHARS } from "../../shared/bearer-token.ts";
import { REPLACED_TOKEN_RECORD_SECONDS } from "../../shared/sessions.ts";
import { parseBody } from "../body.ts";
import { clientIpOf, clientKeyOf } from "../client-ip.ts";
import { bornEntry } from "../cost/ledger.ts";
import { type AppEnv, fail, ok } from "../http.ts";
import { renewableSession, type Session } from "../middleware/auth.ts";
import { newSessionRefusal } from "../middleware/limiter-limits.ts";
import { sameSecret } from "../secrets.ts";
import { mintSession } from "../sessions.ts";
import { verifyTurnstile } from "../turnstile.ts";

const CreateSession = z.object({
	turnstileToken: z.string().min(1).max(2048),
	// The token of a session to continue (docs/api.md, "Sessions"): any string is looked up, and
	// one that names no renewable session gets a new session, `renewed: false`.
	renewToken: z.string().min(1).max(MAX_BEARER_TOKEN_CHARS).optional(),
});
/** siteverify verified nothing (unreachable, unreadable, its own or our failure): ask again this soon. */
const TURNSTILE_RETRY_AFTER_SECONDS = 5;

export const sessions = new Hono<AppEnv>();

sessions.post("/", async (c) => {
	const { turnstileToken, renewToken } = await parseBody(c, CreateSession);
	// A renewal still needs the human check below (never a way around one,
	// docs/decisions/086-a-sessions-end-and-what-it-owns.md); it is looked up first only to spare
	// it the new-session budget, which is spent before the check so that a refused burst costs
	// no siteverify call.
	const stored =
		renewToken === undefined ? null : await renewableSession(c.env.SESSIONS, renewToken);
	// One renewal per token in this isolate: a second one that read the token before the first
	// replaced it is a new session, as it would be after (decision 189 §3).
	const taken = stored !== null && renewToken !== undefined && takeRenewal(renewToken);
	const renewing = taken ? stored : null;
	let renewed = false;
	try {
		const response = await issue(c, turnstileToken, renewToken, renewing);
		renewed = renewing !== null && response.status === 201;
		return response;
	} finally {
		if (taken && renewToken !== undefined) settleRenewal(renewToken, renewed);
	}
});

/**
 * The tokens this isolate renewed, or is renewing, and when it took them: KV has no
 * compare-and-set, so two renewals of one token that both read it before either replaced it
 * would both go on. A renewal made is kept as long as KV keeps a replaced token's record (after
 * which KV says the token is unknown); one in flight is given back when it does not happen, and
 * taken for abandoned after RENEWAL_IN_FLIGHT_MS (a request cut short by its client may never
 * reach its `finally`). At most RENEWALS_KEPT of them; the oldest go first. Across isolates (on
 * Cloudflare) the race is KV's (docs/decisions/166-a-renewed-sessions-old-token-ends.md).
 */
const renewalsTaken = new Map<string, { atMs: number; made: boolean }>();
const RENEWALS_KEPT = 10_000;
/** Past the longest a renewal takes: the human check's deadline, then two KV writes' (2 s each). */
const RENEWAL_IN_FLIGHT_MS = 30_000;

function takeRenewal(token: string): boolean {
	const nowMs = Date.now();
	for (const [old, taken] of renewalsTaken) {
		if (
			taken.atMs > nowMs - REPLACED_TOKEN_RECORD_SECONDS * 1000 &&
			renewalsTaken.size < RENEWALS_KEPT
		)
			break;
		renewalsTaken.delete(old);
	}
	const taken = renewalsTaken.get(token);
	if (taken !== undefined && (taken.made || taken.atMs > nowMs - RENEWAL_IN_FLIGHT_MS))
		return false;
	renewalsTaken.delete(token);
	renewalsTaken.set(token, { atMs: nowMs, made: false });
	return true;
}

/** The renewal ended: kept when made, else the token may be renewed again. */
function settleRenewal(token: string, made: boolean): void {
	const taken = renewalsTaken.get(token);
	if (taken === undefined) return;
	if (made) taken.made = true;
	else renewalsTaken.delete(token);
}

async function issue(
	c: Context<AppEnv>,
	turnstileToken: string,
	renewToken: string | undefined,
	renewing: Session | null,
): Promise<Response> {
	const config = c.get("config");
	if (renewing === null) {
		const refused = await newSessionRefusal(c);
		if (refused !== null) return refused;
	}
	const debug = config.debugToken;
	if (!(debug !== null && (await sameSecret(turnstileToken, debug)))) {
		const ip = clientIpOf(c.req);
		const verdict = await verifyTurnstile(config, turnstileToken, {
			host: new URL(c.req.url).hostname,
			remoteIp: isIpAddress(ip) ? ip : null,
		});
		// Nothing verified through no fault of the buyer's (siteverify-verdict.ts): retry, not
		// "check again"; the operator's own misconfiguration is logged by verifyTurnstile.
		if (!verdict.ok && verdict.reason !== "rejected") {
			return fail(
				c,
				"unavailable",
				"The bot check service could not verify the token just now; retry shortly.",
				{ "Retry-After": String(TURNSTILE_RETRY_AFTER_SECONDS) },
			);
		}
		if (!verdict.ok)
			return fail(c, "turnstile_failed", `Turnstile rejected the token (${verdict.detail}).`);
	}
	const { session, issued } = await mintSession(c.env, config, clientKeyOf(c), {
		renewing:
			renewing === null || renewToken === undefined
				? null
				: { session: renewing, token: renewToken },
	});
	// The session's cost ledger counts the request that made it (worker/cost/meta.ts). A new
	// session starts from zero with no read of its ledger group; a renewal continues a total that
	// may be stored there, which the ledger reads on this isolate's first sight of it (cost/ledger.ts).
	if (renewing === null) bornEntry(session.sessionId);
	c.set("session", session);
	return ok(c, renewToken === undefined ? issued : { ...issued, renewed: renewing !== null }, 201);
}
