// `npm run verify-queue -- --sku SKU [--url http://127.0.0.1:8787] [--drop N|all] [--admin-token T] [--json]`:
// recomputes a SKU's waiting-room order from its revealed seed and its tickets, and checks
// the admissions in the room's trail against it (docs/waiting-room.md, "Verifying a drop"). The
// trail is the public one (GET /api/products/:sku/queue/events): no token needed; with
// `--admin-token` the operator's audit trail is read instead. A trail holds every drop since
// the room was enabled (each reset starts one): the last is verified unless `--drop` says.
// Exit code: 0 verified, 1 a mismatch, 2 could not run (bad arguments, a server that does not
// answer, no such SKU, a SKU whose room was never enabled: nothing to verify is no mismatch).

import { parseArgs } from "node:util";
import type { AuditEvent, Product } from "../src/shared/types.ts";
import { checkDrop, dropsOf, type QueueVerdict } from "./verify-queue/check.ts";

/** Events read per page (the API's maximum) and pages at most: bounds the run. */
const PAGE = 1000;
const MAX_PAGES = 500;
/** A request that has not answered after this long: the server is not answering. */
const REQUEST_TIMEOUT_MS = 30_000;
/** Exit codes (docs/waiting-room.md, "Verifying a drop"). */
const EXIT_VERIFIED = 0;
const EXIT_MISMATCH = 1;
const EXIT_COULD_NOT_RUN = 2;

const USAGE = `usage: npm run verify-queue -- --sku SKU [--url URL] [--drop N|all] [--admin-token T] [--json]
  --sku          the SKU whose waiting room to verify (required)
  --url          the server (default http://127.0.0.1:\${PORT:-8787})
  --drop         which drop of the trail: its number (1 is the first; a reset starts a new one),
                 or all (default: the last, the one the product publishes now)
  --admin-token  read the operator's audit trail instead of the room's public one (not needed)
  --json         one JSON object on stdout
Exit code: 0 verified, 1 a mismatch, 2 could not run (bad arguments, no answer, no such SKU, no room)
`;

/** Could not run: one sentence, exit 2 (with --json, also the last stdout line). */
class CannotRun extends Error {}

type Envelope<T> = { data?: T; error?: { code: string; message: string } };

async function getJson<T>(url: string, token?: string): Promise<T> {
	let res: Response;
	try {
		res = await fetch(url, {
			...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
			signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
		});
	} catch (error) {
		// fetch says "fetch failed"; the reason (ECONNREFUSED, ENOTFOUND, the timeout) is its cause.
		const cause = (error as { cause?: unknown }).cause ?? error;
		const why = cause instanceof Error ? cause.message : String(cause);
		throw new CannotRun(`cannot reach ${url} (${why}); is the server running (\`npm start\`)?`);
	}
	const text = await res.text();
	let body: Envelope<T>;
	try {
		body = JSON.parse(text) as Envelope<T>;
	} catch {
		throw new CannotRun(`${url} answered HTTP ${res.status} without JSON: is --url this product?`);
	}
	if (res.status === 401 || res.status === 403)
		throw new CannotRun(
			`the admin token was refused (${res.status} ${body.error?.code ?? ""}) reading ${url}: pass --admin-token or set ADMIN_TOKEN`,
		);
	if (!res.ok || body.data === undefined)
		throw new CannotRun(
			`${url} answered HTTP ${res.status} ${body.error?.code ?? ""} ${body.error?.message ?? ""}`.trim(),
		);
	return body.data;
}

interface Args {
	url: string;
	sku: string;
	/** The operator's trail instead of the public one; null: the public one. */
	token: string | null;
	/** A drop's number (1-based), "all", or null: the last. */
	drop: number | "all" | null;
	json: boolean;
}

/** The arguments, or the sentences saying what is wrong with them. */
function parse(argv: string[]): { ok: true; args: Args } | { ok: false; problems: string[] } {
	let values: Record<string, string | boolean | undefined>;
	try {
		values = parseArgs({
			args: argv,
			options: {
				url: { type: "string" },
				sku: { type: "string" },
				"admin-token": { type: "string" },
				drop: { type: "string" },
				json: { type: "boolean" },
				help: { type: "boolean", short: "h" },
			},
		}).values;
	} catch (error) {
		return { ok: false, problems: [(error as Error).message] };
	}
	if (values.help === true) return { ok: false, problems: [] };
	const problems: string[] = [];
	const url = String(values.url ?? `http://127.0.0.1:${process.env.PORT ?? "8787"}`).replace(
		/\/+$/,
		"",
	);
	if (!/^https?:\/\/[^/]+$/.test(url))
		problems.push(`--url must be http(s)://host[:port], got ${JSON.stringify(url)}`);
	const sku = String(values.sku ?? "");
	if (sku === "") problems.push("--sku is required: the SKU whose waiting room to verify");
	const token = values["admin-token"] === undefined ? null : String(values["admin-token"]);
	if (token === "") problems.push("--admin-token is empty (leave it out to read the public trail)");
	const dropArg = values.drop === undefined ? null : String(values.drop);
	let drop: Args["drop"] = null;
	if (dropArg === "all") drop = "all";
	else if (dropArg !== null) {
		if (/^[1-9]\d{0,5}$/.test(dropArg)) drop = Number(dropArg);
		else
			problems.push(
				`--drop must be a drop's number (1, 2, …) or all, got ${JSON.stringify(dropArg)}`,
			);
	}
	if (problems.length > 0) return { ok: false, problems };
	return { ok: true, args: { url, sku, token, drop, json: values.json === true } };
}

/** The room's trail: the public one, or the operator's with `--admin-token` (every page). */
async function readTrail(args: Args): Promise<AuditEvent[]> {
	const { url, sku, token } = args;
	const path =
		token === null
			? `/api/products/${encodeURIComponent(sku)}/queue/events`
			: `/api/admin/products/${encodeURIComponent(sku)}/events`;
	const events: AuditEvent[] = [];
	let after: string | null = "0";
	for (let page = 0; after !== null && page < MAX_PAGES; page++) {
		const data: { events: AuditEvent[]; next: string | null } = await getJson(
			`${url}${path}?limit=${PAGE}&after=${after}`,
			token ?? undefined,
		);
		events.push(...data.events);
		after = data.next;
	}
	if (after !== null) throw new CannotRun(`the trail is longer than ${MAX_PAGES * PAGE} events`);
	return events;
}

type DropVerdict = QueueVerdict & { drop: number };

function printed(sku: string, v: DropVerdict, drops: number): string[] {
	return [
		`sku ${sku}, drop ${v.drop} of ${drops}: ${v.ok ? "VERIFIED" : "NOT VERIFIED"}`,
		`  commitment ${v.seedCommitment ?? "-"}`,
		`  seed       ${v.seed ?? "(not revealed yet)"}`,
		`  tickets ${v.tickets} (pre-queue ${v.preQueue}), admissions ${v.admissions}, sold out ${v.soldOut}`,
		...v.problems.map((p) => `  problem: ${p}`),
	];
}

async function verifyQueue(args: Args): Promise<number> {
	const { url, sku } = args;
	const product = await getJson<Product>(`${url}/api/products/${encodeURIComponent(sku)}`);
	const drops = dropsOf(await readTrail(args));
	// A room never enabled has no order to check: nothing to verify, which is not a mismatch.
	if (drops.length === 0)
		throw new CannotRun(
			`${sku} has no waiting room (no queue.enabled event in its trail): nothing to verify`,
		);
	if (typeof args.drop === "number" && args.drop > drops.length)
		throw new CannotRun(
			`${sku}'s trail holds ${drops.length} drop${drops.length === 1 ? "" : "s"}: there is no drop ${args.drop}`,
		);
	const chosen = args.drop === "all" ? drops.map((_, i) => i + 1) : [args.drop ?? drops.length];
	const skipped = drops.map((_, i) => i + 1).filter((n) => !chosen.includes(n));
	// The product publishes the last drop's room only; an earlier drop stands on its trail.
	const verdicts: DropVerdict[] = chosen.map((n) => ({
		drop: n,
		...checkDrop(drops[n - 1] ?? [], n === drops.length ? (product.waitingRoom ?? null) : null),
	}));
	const ok = verdicts.every((v) => v.ok);
	if (args.json) {
		const summary = { sku, drops: drops.length, skipped };
		const line =
			verdicts.length === 1
				? { ...summary, ...verdicts[0] }
				: { ...summary, ok, drop: "all", results: verdicts };
		process.stdout.write(`${JSON.stringify(line)}\n`);
	} else {
		const skippedLine =
			skipped.length === 0
				? []
				: [
						`drops in the trail: ${drops.length}; skipped ${skipped.join(", ")} (verify with --drop N or --drop all)`,
					];
		process.stdout.write(
			[...verdicts.flatMap((v) => printed(sku, v, drops.length)), ...skippedLine, ""].join("\n"),
		);
	}
	return ok ? EXIT_VERIFIED : EXIT_MISMATCH;
}

async function main(): Promise<number> {
	const argv = process.argv.slice(2);
	const parsed = parse(argv);
	if (!parsed.ok) {
		for (const p of parsed.problems) process.stderr.write(`verify-queue: ${p}\n`);
		if (parsed.problems.length > 0) process.stderr.write("\n");
		process.stderr.write(USAGE);
		if (parsed.problems.length > 0 && argv.includes("--json"))
			process.stdout.write(`${JSON.stringify({ ok: false, error: parsed.problems.join("; ") })}\n`);
		return parsed.problems.length > 0 ? EXIT_COULD_NOT_RUN : EXIT_VERIFIED;
	}
	try {
		return await verifyQueue(parsed.args);
	} catch (error) {
		if (!(error instanceof CannotRun)) throw error;
		process.stderr.write(`verify-queue: ${error.message}\n`);
		if (parsed.args.json)
			process.stdout.write(
				`${JSON.stringify({ sku: parsed.args.sku, ok: false, error: error.message })}\n`,
			);
		return EXIT_COULD_NOT_RUN;
	}
}

main().then(
	(code) => process.exit(code),
	(error: unknown) => {
		process.stderr.write(
			`verify-queue: ${error instanceof Error ? error.message : String(error)}\n`,
		);
		process.exit(EXIT_COULD_NOT_RUN);
	},
);
