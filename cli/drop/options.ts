// `npm run drop -- …` arguments: parsed with node:util parseArgs, checked against
// named limits, so a typo is a clear usage error and every run is bounded.

import { parseArgs } from "node:util";
import { localVars } from "../../scripts/config.ts";
import { MAX_SHARDS } from "../../src/domain/escrow.ts";
import { refusedOptions } from "./option-kinds.ts";

/** Upper bounds on one run, whatever the caller asks (a limit on everything). */
export const MAX_STOCK = 10_000_000; // docs/api.md: totalStock 0..10,000,000
export const MAX_BUYERS = 200_000;
export const MAX_ATTEMPTS = 2_000_000;
export const MAX_CONCURRENCY = 1_024;
/** The run waits for its holds to expire, so a hold longer than this would stall it. */
export const MAX_HOLD_SECONDS = 600;
/** docs/api.md: perUserLimit is bounded by the server (src/domain/bounds.ts MAX_PER_USER_LIMIT). */
export const MAX_PER_USER_LIMIT = 1_000;
/** The whole run stops by itself after this long, whatever the target does. */
export const DEFAULT_MAX_SECONDS = 1_800;
export const MAX_MAX_SECONDS = 7_200;
/** `--random-quantity`: each attempt asks for 1..RANDOM_QUANTITY_MAX units. */
export const RANDOM_QUANTITY_MAX = 3;

export type Mode = "safe" | "eventual";
/** Where buyers' sessions come from: the operator's load-test sessions, or the public door. */
export type SessionSource = "admin" | "public";

export interface DropOptions {
	url: string;
	stock: number;
	buyers: number;
	attempts: number;
	concurrency: number;
	checkoutRate: number;
	/** Share of the checkouts paid with a card that is declined. */
	declineRate: number;
	/** Share of the holds cancelled (taken from those not checked out). */
	cancelRate: number;
	/** Share of the attempts sent with an Idempotency-Key. */
	idempotentRate: number;
	/** Attempts sent twice at once with the same Idempotency-Key (part of `attempts`). */
	duplicates: number;
	randomQuantity: boolean;
	perUserLimit: number;
	/** Objects the SKU's stock is split across (docs/decisions/020-escrow-shards.md); 1 is one object. */
	shards: number;
	holdSeconds: number;
	mode: Mode;
	json: boolean;
	adminToken: string;
	/** Only needed with `sessions: "public"`. */
	debugToken: string;
	sessions: SessionSource;
	/** Buyers behave like people (one attempt at a time, irregular pauses); false hammers. */
	pacing: boolean;
	seed: number;
	maxSeconds: number;
	/** Where the JSON result and the HTML report go; null writes none. */
	reportDir: string | null;
	/**
	 * Share of scripted buyers for a fairness run (cli/drop/fairness.ts); null runs the
	 * ordinary drop.
	 */
	bots: number | null;
	/** A fairness run's waiting room: on, off, or both (the same drop twice, for contrast). */
	room: "on" | "off" | "both";
	/** A fairness run's waiting-room overbook margin (docs/api.md: 0..1); null: the product's default. */
	overbook: number | null;
	/** A fairness run's sessions per script, all behind one address (default SCRIPT_SESSIONS). */
	scriptSessions: number;
	/**
	 * Whether a script's sessions share one address (the default: the per-IP limits see
	 * one client) or each has its own (a script renting addresses: only the session's
	 * own limits and the room bound it).
	 */
	scriptAddresses: "one" | "each";
}

/** Fairness runs (--bots): buyers and units by default, and at most this many buyers. */
export const FAIRNESS_BUYERS = 100;
export const FAIRNESS_STOCK = 20;
export const MAX_FAIRNESS_BUYERS = 1_000;
/** Sessions one script runs by default (behind one address), and at most. */
export const SCRIPT_SESSIONS = 10;
export const MAX_SCRIPT_SESSIONS = 1_000;

export const USAGE = `usage: npm run drop -- [options]
Every run:
  --url URL               target (default http://127.0.0.1:\${PORT:-8787}); the only host the run talks to
  --stock N               units of the fresh SKU (default 10000; a fairness run ${FAIRNESS_STOCK})
  --buyers N              sessions to create (default 20000; a fairness run ${FAIRNESS_BUYERS}, at most ${MAX_FAIRNESS_BUYERS})
  --shards K              split the SKU across K objects, 1..${MAX_SHARDS} (default 1)
  --json                  last line of stdout is one JSON object
  --admin-token T         operator token (default ADMIN_TOKEN from local.vars / env); creates the
                          SKU and issues the buyers' sessions (POST /api/admin/sessions)
  --sessions admin|public where buyers' sessions come from (default admin; public = POST
                          /api/sessions with --debug-token, under the per-IP session limit)
  --debug-token T         with --sessions public: Turnstile bypass token (default DEBUG_TOKEN)
  --seed N                random seed (default: time-based)
  --no-report             write no report file (a fairness run writes none anyway)
The drop (without --bots):
  --attempts N            reserve requests to fire, duplicates included (default 100000)
  --concurrency N         requests in flight during the burst (default 256)
  --checkout-rate R       share of the holds checked out (default 0.5; not with --mode eventual)
  --decline-rate R        share of the checkouts paid with pm_card_chargeDeclined (default 0.1; not with --mode eventual)
  --cancel-rate R         share of the holds cancelled (default 0.2; not with --mode eventual)
  --idempotent-rate R     share of the attempts carrying an Idempotency-Key (default 0.2)
  --duplicates N          attempts sent twice at once with the same key (default 1% of attempts, ≤ 500)
  --random-quantity       ask for 1..${RANDOM_QUANTITY_MAX} units per attempt instead of 1
  --per-user-limit N      product's perUserLimit (default 2)
  --hold-seconds N        product's holdSeconds; the run waits for the rest to expire (default 30)
  --mode safe|eventual    reserve path (default safe; eventual oversells by design)
  --no-pacing             buyers fire without pauses, several at once (RATE_LIMITS=off targets)
  --max-seconds N         stop the whole run after this long (default ${DEFAULT_MAX_SECONDS})
  --report-dir DIR        where reports go (default reports/)
A fairness run (--bots; every buyer wants one unit, perUserLimit 1, 30 s holds, each run sells for at most 90 s):
  --bots F                share F (0..1) of the buyers are scripts (cli/drop/fairness.ts)
  --room on|off|both      the waiting room on, off, or the same drop both ways (default both)
  --overbook R            the room's overbook margin 0..1 (default: the product's default)
  --script-sessions N     sessions per script (default 10)
  --script-addresses one|each  a script's sessions behind one address (default) or one each
An option the run's kind does not take is refused (exit 2), never ignored.
Exit code: 0 verified, 1 not verified, 2 no run (nothing created), 3 cut after the SKU was created
(the server stopped answering, or its records could not be read); every drop's SKU stays listed
`;

export type ParsedOptions = { ok: true; options: DropOptions } | { ok: false; message: string };

export function parseOptions(argv: string[], env: NodeJS.ProcessEnv = process.env): ParsedOptions {
	let values: Record<string, string | boolean | undefined>;
	try {
		values = parseArgs({
			args: argv,
			strict: true,
			allowPositionals: false,
			options: {
				url: { type: "string" },
				stock: { type: "string" },
				buyers: { type: "string" },
				attempts: { type: "string" },
				concurrency: { type: "string" },
				"checkout-rate": { type: "string" },
				"decline-rate": { type: "string" },
				"cancel-rate": { type: "string" },
				"idempotent-rate": { type: "string" },
				duplicates: { type: "string" },
				"random-quantity": { type: "boolean" },
				"per-user-limit": { type: "string" },
				"hold-seconds": { type: "string" },
				shards: { type: "string" },
				mode: { type: "string" },
				json: { type: "boolean" },
				"admin-token": { type: "string" },
				"debug-token": { type: "string" },
				sessions: { type: "string" },
				"no-pacing": { type: "boolean" },
				seed: { type: "string" },
				"max-seconds": { type: "string" },
				"report-dir": { type: "string" },
				"no-report": { type: "boolean" },
				bots: { type: "string" },
				room: { type: "string" },
				overbook: { type: "string" },
				"script-sessions": { type: "string" },
				"script-addresses": { type: "string" },
				help: { type: "boolean", short: "h" },
			},
		}).values;
	} catch (error) {
		return { ok: false, message: (error as Error).message };
	}
	if (values.help === true) return { ok: false, message: "" };
	const problems: string[] = [];
	const int = (name: string, fallback: number, min: number, max: number): number => {
		const raw = values[name];
		if (raw === undefined) return fallback;
		const n = Number(raw);
		if (!Number.isInteger(n) || n < min || n > max) {
			problems.push(`--${name} must be an integer ${min}..${max}, got ${JSON.stringify(raw)}`);
			return fallback;
		}
		return n;
	};
	const rate = (name: string, fallback: number): number => {
		const raw = values[name];
		if (raw === undefined) return fallback;
		const n = Number(raw);
		if (!Number.isFinite(n) || n < 0 || n > 1) {
			problems.push(`--${name} must be a number 0..1, got ${JSON.stringify(raw)}`);
			return fallback;
		}
		return n;
	};

	const vars = safeLocalVars(env);
	const url = String(values.url ?? `http://127.0.0.1:${env.PORT ?? "8787"}`).replace(/\/+$/, "");
	if (!/^https?:\/\/[^/]+$/.test(url))
		problems.push(`--url must be http(s)://host[:port], got ${JSON.stringify(url)}`);
	const attempts = int("attempts", 100_000, 1, MAX_ATTEMPTS);
	const mode = values.mode ?? "safe";
	if (mode !== "safe" && mode !== "eventual")
		problems.push(`--mode must be safe or eventual, got ${JSON.stringify(mode)}`);
	const sessions = values.sessions ?? "admin";
	if (sessions !== "admin" && sessions !== "public")
		problems.push(`--sessions must be admin or public, got ${JSON.stringify(sessions)}`);
	const adminToken = String(values["admin-token"] ?? vars.ADMIN_TOKEN ?? "");
	const debugToken = String(values["debug-token"] ?? vars.DEBUG_TOKEN ?? "");
	if (adminToken === "")
		problems.push("--admin-token is required (no ADMIN_TOKEN in local.vars or the environment)");
	if (sessions === "public" && debugToken === "")
		problems.push(
			"--sessions public needs --debug-token (no DEBUG_TOKEN in local.vars or the environment)",
		);
	const bots = values.bots === undefined ? null : rate("bots", 0.9);
	const room = values.room ?? "both";
	if (room !== "on" && room !== "off" && room !== "both")
		problems.push(`--room must be on, off or both, got ${JSON.stringify(room)}`);
	const scriptAddresses = values["script-addresses"] ?? "one";
	if (scriptAddresses !== "one" && scriptAddresses !== "each")
		problems.push(`--script-addresses must be one or each, got ${JSON.stringify(scriptAddresses)}`);
	// Every option given must be one this kind of run uses (option-kinds.ts): none is dropped.
	const given = Object.keys(values).filter((name) => values[name] !== undefined);
	problems.push(
		...refusedOptions(
			given,
			bots !== null ? "fairness" : mode === "eventual" ? "eventual" : "safe",
		),
	);
	if (values["debug-token"] !== undefined && sessions !== "public")
		problems.push("--debug-token goes with --sessions public");
	// A fairness run is every buyer buying one unit, at a person's pace or a script's:
	// a smaller drop than the throughput run by default (FAIRNESS_* below).
	const options: DropOptions = {
		url,
		stock: int("stock", bots === null ? 10_000 : FAIRNESS_STOCK, 1, MAX_STOCK),
		buyers: int(
			"buyers",
			bots === null ? 20_000 : FAIRNESS_BUYERS,
			1,
			bots === null ? MAX_BUYERS : MAX_FAIRNESS_BUYERS,
		),
		attempts,
		concurrency: int("concurrency", 256, 1, MAX_CONCURRENCY),
		checkoutRate: rate("checkout-rate", 0.5),
		declineRate: rate("decline-rate", 0.1),
		cancelRate: rate("cancel-rate", 0.2),
		idempotentRate: rate("idempotent-rate", 0.2),
		// A pair uses two of the attempts.
		duplicates: int(
			"duplicates",
			Math.min(500, Math.floor(attempts / 100)),
			0,
			Math.floor(attempts / 2),
		),
		randomQuantity: values["random-quantity"] === true,
		perUserLimit: int("per-user-limit", 2, 1, MAX_PER_USER_LIMIT),
		shards: int("shards", 1, 1, MAX_SHARDS),
		holdSeconds: int("hold-seconds", 30, 1, MAX_HOLD_SECONDS),
		mode: mode === "eventual" ? "eventual" : "safe",
		json: values.json === true,
		adminToken,
		debugToken,
		sessions: sessions === "public" ? "public" : "admin",
		pacing: values["no-pacing"] !== true,
		seed: int("seed", Date.now() % 2_147_483_647, 0, 2_147_483_647),
		maxSeconds: int("max-seconds", DEFAULT_MAX_SECONDS, 10, MAX_MAX_SECONDS),
		reportDir: values["no-report"] === true ? null : String(values["report-dir"] ?? "reports"),
		bots,
		room: room === "on" || room === "off" ? room : "both",
		overbook: values.overbook === undefined ? null : rate("overbook", 0),
		scriptSessions: int("script-sessions", SCRIPT_SESSIONS, 1, MAX_SCRIPT_SESSIONS),
		scriptAddresses: scriptAddresses === "each" ? "each" : "one",
	};
	if (options.checkoutRate + options.cancelRate > 1) {
		problems.push("--checkout-rate plus --cancel-rate must not pass 1");
	}
	if (problems.length > 0) return { ok: false, message: problems.join("\n") };
	return { ok: true, options };
}

/** local.vars is the repo's file; a run from elsewhere (or without it) falls back to the env alone. */
function safeLocalVars(env: NodeJS.ProcessEnv): Record<string, string> {
	try {
		return localVars(env);
	} catch {
		return {
			...(env.ADMIN_TOKEN ? { ADMIN_TOKEN: env.ADMIN_TOKEN } : {}),
			...(env.DEBUG_TOKEN ? { DEBUG_TOKEN: env.DEBUG_TOKEN } : {}),
		};
	}
}
