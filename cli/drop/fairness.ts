// `npm run drop -- --bots F`: fairness against scripted buyers (docs/waiting-room.md,
// "Fairness"). The same drop runs with the waiting room on and off; human-like buyers
// (they read the product first, one session each, irregular gaps, a person's reaction
// time) share it with scripts (no prior read, tight regular loops, a burst at the start,
// --script-sessions per script behind one address, 10 by default) at share F of the buyers.
// Every buyer wants one unit (perUserLimit 1) and pays for the hold it gets, except a
// share of each kind who hold and then leave (ABANDON_SHARE), so the line moves. The
// result: fairness { humanShareOfDemand, humanShareOfUnits, humanShareRatio, jainIndex }
// per run, from the paid orders, checked against the server's own counters
// (cli/drop/fairness-truth.ts; the report lines: cli/drop/fairness-report.ts).
// Once its SKU exists the run is watched as the plain drop is (cli/drop/server-watch.ts): a
// server that stops answering ends it at once, every buyer's pause cut short, and the outcome
// says in which phase (docs/decisions/083-fairness-runs-and-stripe-minimums.md).

import type { Product, Reservation, Stats, Ticket } from "../../src/shared/types.ts";
import { type Buyer, buyerIp, ipHeader } from "./buyers.ts";
import { type FairnessRun, groundTruth, type Role } from "./fairness-truth.ts";
import type { JsonClient } from "./http.ts";
import type { DropOptions } from "./options.ts";
import type { Progress } from "./progress.ts";
import type { ServerWatch } from "./server-watch.ts";

/**
 * People are on the page well before a drop: they arrive over this span, the
 * scripts at its beginning. The start is set (PATCH startsAt) only once every
 * arrival has been answered, START_AFTER_MS later, so a loaded machine cannot
 * push anyone past the start by accident (the report counts who made the pre-queue).
 */
const ARRIVAL_MS = 4_000;
const START_AFTER_MS = 2_000;
/** Until the start is set, it stands this far ahead. */
const PLACEHOLDER_LEAD_MS = 600_000;
/**
 * Share of the buyers who hold a unit and then leave without paying (they cancel
 * after ABANDON_AFTER_MS): units come back, the line moves for a while, and the ETA
 * can be compared with the wait that followed.
 */
const ABANDON_SHARE = 0.3;
const ABANDON_AFTER_MS: [number, number] = [2_000, 5_000];
/** How long one run may sell before it stops (bounded in time, whatever happens). */
const RUN_LIMIT_MS = 90_000;
/** A script's loop: tight and regular. */
const SCRIPT_GAP_MS = 250;
/** A person's reaction after the start, and between two looks: irregular. */
const HUMAN_REACTION_MS: [number, number] = [300, 1_500];
const HUMAN_GAP_MS: [number, number] = [1_000, 3_000];
/** A person takes a moment between "it's your turn" and the click. */
const HUMAN_THINK_MS: [number, number] = [500, 2_500];
const ADMIT_SECONDS = 30;

/**
 * Where a fairness run was when it was cut: creating its SKU, the buyers' arrival before the
 * start (reads of the product, queue joins), the sale (`burst`, as the plain drop names it),
 * or reading the server's stats (`records`).
 */
export type FairnessPhase = "setup" | "arrivals" | "burst" | "records";

/**
 * A finished run, or one that could not finish: `created` says whether its SKU exists (false
 * when its create failed), `why` is the sentence saying what happened (the watch's, once the
 * SKU exists).
 */
export type FairnessOutcome =
	| { ok: true; run: FairnessRun }
	| {
			ok: false;
			sku: string;
			created: boolean;
			phase: FairnessPhase;
			why: string;
			sofar: Record<string, unknown>;
	  };

export async function runFairness(
	client: JsonClient,
	options: DropOptions,
	buyers: readonly Buyer[],
	bots: number,
	room: boolean,
	withIps: boolean,
	random: () => number,
	progress: Progress,
	watch: ServerWatch,
): Promise<FairnessOutcome> {
	const startedMs = performance.now();
	const problems: string[] = [];
	const scriptSessions = Math.round(buyers.length * bots);
	const humans = buyers.length - scriptSessions;
	const roles: Role[] = buyers.map((buyer, i) => {
		const human = i < humans;
		// Each person has their own address; a script's sessions share one, unless it rents
		// one per session (--script-addresses each).
		const ip =
			human || options.scriptAddresses === "each"
				? buyerIp(i)
				: buyerIp(100_000 + Math.floor((i - humans) / options.scriptSessions));
		return {
			buyer,
			human,
			headers: withIps ? ipHeader(ip) : {},
			units: 0,
			firstEta: null,
			admittedAtMs: null,
			joinedAtMs: null,
			abandons: random() < ABANDON_SHARE,
			unitGone: false,
			held: false,
		};
	});
	const sku = `FAIR-${room ? "ROOM" : "OPEN"}-${Date.now().toString(36)}-${Math.floor(random() * 1e6).toString(36)}`;
	let startsAtMs = Date.now() + PLACEHOLDER_LEAD_MS;
	const created = await client.retrying<Product>("POST", "/api/admin/products", {
		token: options.adminToken,
		body: {
			sku,
			name: `Fairness drop (${room ? "room on" : "room off"})`,
			priceCents: 12_900,
			currency: "USD",
			totalStock: options.stock,
			perUserLimit: 1,
			holdSeconds: 30,
			startsAt: new Date(startsAtMs).toISOString(),
			// A split SKU (--shards), with or without its room: a hot drop's shape on Cloudflare.
			...(options.shards > 1 ? { shards: options.shards } : {}),
			...(room
				? {
						// Without --overbook the product's default applies (src/domain/waiting-room.ts).
						waitingRoom: {
							enabled: true,
							admitSeconds: ADMIT_SECONDS,
							...(options.overbook === null ? {} : { overbook: options.overbook }),
						},
					}
				: {}),
		},
	});
	if (created.status !== 201) {
		// Refused, or no answer: a create that got none may still have made the SKU; it is named.
		const answer =
			created.status === 0
				? `got no answer (${created.problem ?? "no answer"}; ${sku} may exist if the request reached the server)`
				: `answered ${created.status}`;
		return {
			ok: false,
			sku,
			created: false,
			phase: "setup",
			why: `creating the fairness drop ${sku} ${answer}`,
			sofar: { room },
		};
	}
	watch.start();
	let phase: FairnessPhase = "arrivals";
	const overbook = room ? (created.data?.waitingRoom?.overbook ?? null) : null;
	progress.line(
		`drop: fairness ${sku}: ${humans} humans, ${scriptSessions} script sessions in ${Math.ceil(scriptSessions / options.scriptSessions)} scripts, ${options.stock} units, ${options.shards} shard(s), room ${room ? "on" : "off"}`,
	);
	let deadlineMs = startsAtMs + RUN_LIMIT_MS;
	let arrived = 0;
	let announce: () => void = () => {};
	const started = new Promise<void>((resolve) => {
		announce = resolve;
	});
	const arrive = async () => {
		arrived += 1;
		if (arrived < roles.length) return;
		await pause(START_AFTER_MS);
		if (over) return;
		const at = Date.now() + START_AFTER_MS;
		const patched = await client.retrying("PATCH", `/api/admin/products/${sku}`, {
			token: options.adminToken,
			body: { startsAt: new Date(at).toISOString() },
		});
		if (patched.status !== 200) problems.push(`setting the start answered ${patched.status}`);
		startsAtMs = at;
		deadlineMs = at + RUN_LIMIT_MS;
		if (phase === "arrivals") phase = "burst";
		announce();
	};
	let over = false;
	// The server gone: every loop ends, every pause is cut short, and the run returns at once
	// (a request still in flight ends when the caller closes the client).
	const stop = new AbortController();
	const pause = (ms: number) => abortableSleep(ms, stop.signal);
	const gone = watch.whenGone().then(() => {
		over = true;
		stop.abort();
		announce();
	});
	const between = ([lo, hi]: [number, number]) => lo + random() * (hi - lo);
	const untilStart = () => Math.max(0, startsAtMs - Date.now());

	const join = async (r: Role) => {
		const t = await client.request<Ticket>("POST", `/api/products/${sku}/queue`, {
			token: r.buyer.token,
			headers: r.headers,
		});
		if (t.data === null) problems.push(`joining the queue answered ${t.status}`);
		else r.joinedAtMs = Date.parse(t.data.joinedAt);
	};
	const buy = async (r: Role): Promise<"bought" | "again" | "final"> => {
		const held = await client.request<Reservation>("POST", "/api/reservations", {
			token: r.buyer.token,
			headers: r.headers,
			body: { sku, quantity: 1 },
		});
		if (held.status === 201 && held.data !== null) {
			r.held = true;
			if (r.abandons) {
				await pause(between(ABANDON_AFTER_MS));
				const cancelled = await client.retrying(
					"DELETE",
					`/api/reservations/${held.data.reservationId}`,
					{ token: r.buyer.token, headers: r.headers },
				);
				if (cancelled.status !== 200) problems.push(`a cancel answered ${cancelled.status}`);
				return "final";
			}
			const paid = await client.retrying("POST", "/api/checkout", {
				token: r.buyer.token,
				headers: { ...r.headers, "idempotency-key": `fair-${held.data.reservationId}` },
				body: { reservationId: held.data.reservationId, paymentMethod: "pm_card_visa" },
			});
			if (paid.status === 200) {
				r.units += 1;
				return "bought";
			}
			problems.push(`checkout of a hold answered ${paid.status}`);
			return "final";
		}
		if (held.error?.code === "purchase_limit") return "final";
		if (room && held.error?.code === "sold_out") r.unitGone = true;
		return "again";
	};
	/** Nothing available and nothing held that could come back: the drop is over. */
	const soldOutForGood = async (r: Role): Promise<boolean> => {
		const a = await client.request<{ available: number; reserved: number }>(
			"GET",
			`/api/products/${sku}/availability`,
			{ token: r.buyer.token, headers: r.headers },
		);
		return a.data !== null && a.data.available === 0 && a.data.reserved === 0;
	};

	const human = async (r: Role) => {
		// A person looks at the product first (the "prior read"), at some moment before the start.
		await pause(random() * ARRIVAL_MS);
		await client.request("GET", `/api/products/${sku}`, {
			token: r.buyer.token,
			headers: r.headers,
		});
		if (room) await join(r);
		await arrive();
		await started;
		await pause(untilStart() + between(HUMAN_REACTION_MS));
		while (!over && Date.now() < deadlineMs) {
			if (room) {
				const t = await client.request<Ticket>("GET", `/api/products/${sku}/queue`, {
					token: r.buyer.token,
					headers: r.headers,
				});
				const ticket = t.data;
				if (ticket === null) {
					await pause(between(HUMAN_GAP_MS));
					continue;
				}
				if (ticket.state === "sold_out" || ticket.state === "expired") return;
				if (ticket.state === "waiting") {
					if (r.firstEta === null && ticket.etaSeconds !== null && ticket.etaRangeSeconds !== null)
						r.firstEta = {
							atMs: Date.now(),
							etaSeconds: ticket.etaSeconds,
							low: ticket.etaRangeSeconds.low,
							high: ticket.etaRangeSeconds.high,
						};
					await pause(between(HUMAN_GAP_MS));
					continue;
				}
				r.admittedAtMs ??= Date.now();
				await pause(between(HUMAN_THINK_MS));
			}
			const outcome = await buy(r);
			if (outcome !== "again") return;
			if (!room && (await soldOutForGood(r))) return;
			await pause(between(HUMAN_GAP_MS));
		}
	};

	const script = async (r: Role) => {
		// No read; with a room, every session joins in one burst the moment the room opens.
		if (room) await join(r);
		await arrive();
		await started;
		await pause(Math.max(0, untilStart() - SCRIPT_GAP_MS));
		let tries = 0;
		while (!over && Date.now() < deadlineMs) {
			tries += 1;
			if (room) {
				const t = await client.request<Ticket>("GET", `/api/products/${sku}/queue`, {
					token: r.buyer.token,
					headers: r.headers,
				});
				if (t.data?.state === "sold_out" || t.data?.state === "expired") return;
				if (t.data?.state !== "admitted") {
					await pause(SCRIPT_GAP_MS);
					continue;
				}
				r.admittedAtMs ??= Date.now();
			}
			const outcome = await buy(r);
			if (outcome !== "again") return;
			if (!room && tries % 10 === 0 && (await soldOutForGood(r))) return;
			await pause(SCRIPT_GAP_MS);
		}
	};

	const cut = (why = ""): FairnessOutcome => ({
		ok: false,
		sku,
		created: true,
		phase,
		why: watch.gone ?? why,
		sofar: {
			room,
			humans,
			scriptSessions,
			holds: roles.filter((r) => r.held).length,
			unitsPaid: roles.reduce((n, r) => n + r.units, 0),
		},
	});
	const sale = Promise.all(roles.map((r) => (r.human ? human(r) : script(r))));
	await Promise.race([sale, gone]);
	if (watch.gone !== null) return cut();
	over = true;
	phase = "records";
	const stats = await Promise.race([
		client.retrying<Stats>("GET", `/api/admin/products/${sku}/stats`, {
			token: options.adminToken,
		}),
		gone.then(() => null),
	]);
	if (stats === null || watch.gone !== null) return cut();
	// As the plain drop's records phase: stats that cannot be read end the run unverified, cut.
	if (stats.status !== 200)
		return cut(
			`reading the stats of ${sku} ${stats.status === 0 ? `got no answer (${stats.problem ?? "no answer"})` : `answered ${stats.status}`}`,
		);
	return {
		ok: true,
		run: groundTruth(
			{
				room,
				sku,
				humans,
				scriptSessions,
				sessionsPerScript: options.scriptSessions,
				stock: options.stock,
				shards: options.shards,
				overbook,
				startsAtMs,
				lookGapMs: HUMAN_GAP_MS[1],
				startedMs,
			},
			roles,
			stats.data,
			stats.status,
			problems,
		),
	};
}

/** `sleep` that ends early, and lets go of its timer, once `signal` is aborted. */
function abortableSleep(ms: number, signal: AbortSignal): Promise<void> {
	return new Promise((resolve) => {
		if (signal.aborted) return resolve();
		const done = () => {
			clearTimeout(timer);
			signal.removeEventListener("abort", done);
			resolve();
		};
		const timer = setTimeout(done, ms);
		signal.addEventListener("abort", done, { once: true });
	});
}
