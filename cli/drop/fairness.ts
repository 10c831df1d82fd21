// `npm run drop -- --bots F`: fairness against scripted buyers (docs/waiting-room.md,
// "Fairness"). The same drop runs with the waiting room on and off; human-like buyers
// (they read the product first, one session each, irregular gaps, a person's reaction
// time) share it with scripts (no prior read, tight regular loops, a burst at the start,
// --script-sessions per script behind one address, 10 by default) at share F of the buyers.
// Every buyer wants one unit (perUserLimit 1) and pays for the hold it gets, except a
// share of each kind who hold and then leave (ABANDON_SHARE), so the line moves. The
// result: fairness { humanShareOfDemand, humanShareOfUnits, humanShareRatio, jainIndex }
// per run, from the paid orders, checked against the server's own counters.

import { sleep } from "../../src/shared/sleep.ts";
import type { Product, Reservation, Stats, Ticket } from "../../src/shared/types.ts";
import { type Buyer, buyerIp, ipHeader } from "./buyers.ts";
import {
	type Fairness,
	fairnessOf,
	round,
	type ServerView,
	serverViewOf,
} from "./fairness-figures.ts";
import type { JsonClient } from "./http.ts";
import type { DropOptions } from "./options.ts";
import type { Progress } from "./progress.ts";

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

export interface FairnessRun {
	room: boolean;
	sku: string;
	humans: number;
	scripts: number;
	scriptSessions: number;
	stock: number;
	unitsSold: number;
	humanUnits: number;
	scriptUnits: number;
	/** Units per script and per human: what a script's many sessions buy it. */
	unitsPerScript: number;
	unitsPerHuman: number;
	oversell: number;
	/** The room's overbook margin in this run (null: no room). */
	overbook: number | null;
	/** Buyers whose ticket was taken before the start (room on): the shuffled pre-queue. */
	preQueue: { humans: number; scriptSessions: number } | null;
	/** Admitted buyers who then found no unit (the overbook margin), humans and script sessions. */
	admittedWithoutUnit: { humans: number; scriptSessions: number } | null;
	/**
	 * Room on: who was admitted and who of them got a hold. The shuffle decides who is
	 * admitted (a lottery, noisy on small samples); what happens after admission is the
	 * room's rule alone, so `holdRatio` (humans' hold rate ÷ scripts' hold rate, 1 is
	 * even) shows a bias of the rule without the lottery's noise.
	 */
	admissions: {
		humans: number;
		scriptSessions: number;
		humansWithHold: number;
		scriptSessionsWithHold: number;
		holdRatio: number | null;
	} | null;
	fairness: Fairness;
	/** Room on: the first ETA each human saw against the wait that followed. */
	eta: { samples: number; medianAbsErrorSeconds: number | null; withinRange: number } | null;
	queue: Stats["queue"] | null;
	/**
	 * What the server could see (stats.fairness: it cannot tell people from scripts)
	 * beside the ground truth only this simulation has (docs/waiting-room.md,
	 * "Fairness the server can see").
	 */
	serverView: ServerView | null;
	/** Whether the server's own counters agree with the orders the buyers were given. */
	verified: boolean;
	problems: string[];
	seconds: number;
}

interface Role {
	buyer: Buyer;
	human: boolean;
	/** Headers the buyer sends: its address (a script's sessions share one). */
	headers: Record<string, string>;
	units: number;
	firstEta: { atMs: number; etaSeconds: number; low: number; high: number } | null;
	admittedAtMs: number | null;
	/** Holds, then leaves without paying (ABANDON_SHARE of each kind). */
	abandons: boolean;
	/** When the server took the buyer's ticket (room on); before the start: the shuffled pre-queue. */
	joinedAtMs: number | null;
	/** Admitted, then told sold_out: the overbook margin's cost, borne by the slower buyer. */
	unitGone: boolean;
	/** Got a hold (paid for or not). */
	held: boolean;
}

export async function runFairness(
	client: JsonClient,
	options: DropOptions,
	buyers: readonly Buyer[],
	bots: number,
	room: boolean,
	withIps: boolean,
	random: () => number,
	progress: Progress,
): Promise<FairnessRun> {
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
	if (created.status !== 201) throw new Error(`creating ${sku}: HTTP ${created.status}`);
	const overbook = room ? (created.data?.waitingRoom?.overbook ?? null) : null;
	progress.line(
		`drop: fairness ${sku}: ${humans} humans, ${scriptSessions} script sessions in ${Math.ceil(scriptSessions / options.scriptSessions)} scripts, ${options.stock} units, room ${room ? "on" : "off"}`,
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
		await sleep(START_AFTER_MS);
		const at = Date.now() + START_AFTER_MS;
		const patched = await client.retrying("PATCH", `/api/admin/products/${sku}`, {
			token: options.adminToken,
			body: { startsAt: new Date(at).toISOString() },
		});
		if (patched.status !== 200) problems.push(`setting the start answered ${patched.status}`);
		startsAtMs = at;
		deadlineMs = at + RUN_LIMIT_MS;
		announce();
	};
	let over = false;
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
				await sleep(between(ABANDON_AFTER_MS));
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
		await sleep(random() * ARRIVAL_MS);
		await client.request("GET", `/api/products/${sku}`, {
			token: r.buyer.token,
			headers: r.headers,
		});
		if (room) await join(r);
		await arrive();
		await started;
		await sleep(untilStart() + between(HUMAN_REACTION_MS));
		while (!over && Date.now() < deadlineMs) {
			if (room) {
				const t = await client.request<Ticket>("GET", `/api/products/${sku}/queue`, {
					token: r.buyer.token,
					headers: r.headers,
				});
				const ticket = t.data;
				if (ticket === null) {
					await sleep(between(HUMAN_GAP_MS));
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
					await sleep(between(HUMAN_GAP_MS));
					continue;
				}
				r.admittedAtMs ??= Date.now();
				await sleep(between(HUMAN_THINK_MS));
			}
			const outcome = await buy(r);
			if (outcome !== "again") return;
			if (!room && (await soldOutForGood(r))) return;
			await sleep(between(HUMAN_GAP_MS));
		}
	};

	const script = async (r: Role) => {
		// No read; with a room, every session joins in one burst the moment the room opens.
		if (room) await join(r);
		await arrive();
		await started;
		await sleep(Math.max(0, untilStart() - SCRIPT_GAP_MS));
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
					await sleep(SCRIPT_GAP_MS);
					continue;
				}
				r.admittedAtMs ??= Date.now();
			}
			const outcome = await buy(r);
			if (outcome !== "again") return;
			if (!room && tries % 10 === 0 && (await soldOutForGood(r))) return;
			await sleep(SCRIPT_GAP_MS);
		}
	};

	await Promise.all(roles.map((r) => (r.human ? human(r) : script(r))));
	const inPreQueue = (r: Role) => r.joinedAtMs !== null && r.joinedAtMs < startsAtMs;
	over = true;
	const stats = await client.retrying<Stats>("GET", `/api/admin/products/${sku}/stats`, {
		token: options.adminToken,
	});
	const unitsSold = roles.reduce((n, r) => n + r.units, 0);
	const oversell = stats.data?.oversellCount ?? -1;
	if (stats.data === null) problems.push(`reading the stats answered ${stats.status}`);
	else {
		if (stats.data.sold !== unitsSold)
			problems.push(`the server sold ${stats.data.sold} units, the buyers were given ${unitsSold}`);
		if (oversell !== 0) problems.push(`oversold by ${oversell}`);
	}
	const humanUnits = roles.filter((r) => r.human).reduce((n, r) => n + r.units, 0);
	const scripts = Math.ceil(scriptSessions / options.scriptSessions);
	const etaSamples = roles.filter((r) => r.firstEta !== null && r.admittedAtMs !== null);
	const errors = etaSamples
		.map((r) =>
			Math.abs(
				((r.admittedAtMs as number) - (r.firstEta?.atMs ?? 0)) / 1000 -
					(r.firstEta?.etaSeconds ?? 0),
			),
		)
		.sort((a, b) => a - b);
	const within = etaSamples.filter((r) => {
		const waited = ((r.admittedAtMs as number) - (r.firstEta?.atMs ?? 0)) / 1000;
		// The buyer looks every 1–3 s: the wait is known to within one gap.
		return (
			waited >= (r.firstEta?.low ?? 0) - HUMAN_GAP_MS[1] / 1000 &&
			waited <= (r.firstEta?.high ?? 0) + HUMAN_GAP_MS[1] / 1000
		);
	}).length;
	return {
		room,
		sku,
		humans,
		scripts,
		scriptSessions,
		stock: options.stock,
		unitsSold,
		humanUnits,
		scriptUnits: unitsSold - humanUnits,
		unitsPerScript: scripts === 0 ? 0 : round((unitsSold - humanUnits) / scripts),
		unitsPerHuman: humans === 0 ? 0 : round(humanUnits / humans),
		oversell,
		overbook,
		preQueue: room
			? {
					humans: roles.filter((r) => r.human && inPreQueue(r)).length,
					scriptSessions: roles.filter((r) => !r.human && inPreQueue(r)).length,
				}
			: null,
		admittedWithoutUnit: room
			? {
					humans: roles.filter((r) => r.human && r.unitGone && !r.held).length,
					scriptSessions: roles.filter((r) => !r.human && r.unitGone && !r.held).length,
				}
			: null,
		admissions: room ? admissionsOf(roles) : null,
		fairness: fairnessOf(roles.map((r) => ({ human: r.human, units: r.units }))),
		eta: room
			? {
					samples: etaSamples.length,
					medianAbsErrorSeconds:
						errors.length === 0 ? null : round(errors[Math.floor(errors.length / 2)] as number),
					withinRange: etaSamples.length === 0 ? 0 : round(within / etaSamples.length),
				}
			: null,
		queue: stats.data?.queue ?? null,
		serverView: stats.data?.fairness === undefined ? null : serverViewOf(stats.data.fairness),
		verified: problems.length === 0,
		problems,
		seconds: Math.round((performance.now() - startedMs) / 100) / 10,
	};
}

function admissionsOf(roles: readonly Role[]): NonNullable<FairnessRun["admissions"]> {
	const count = (human: boolean, held: boolean) =>
		roles.filter((r) => r.human === human && r.admittedAtMs !== null && (!held || r.held)).length;
	const humans = count(true, false);
	const scriptSessions = count(false, false);
	const humansWithHold = count(true, true);
	const scriptSessionsWithHold = count(false, true);
	return {
		humans,
		scriptSessions,
		humansWithHold,
		scriptSessionsWithHold,
		holdRatio:
			humans === 0 || scriptSessionsWithHold === 0
				? null
				: round(humansWithHold / humans / (scriptSessionsWithHold / scriptSessions)),
	};
}

export function fairnessLines(runs: readonly FairnessRun[]): string[] {
	const lines = [
		"room (overbook) | humans | script sessions (scripts) | units | human share of demand | of units | ratio | Jain | units/script | units/human | oversell",
	];
	for (const r of runs) {
		const f = r.fairness;
		lines.push(
			`${r.room ? `on (${r.overbook})` : "off"} | ${r.humans} | ${r.scriptSessions} (${r.scripts}) | ${r.unitsSold}/${r.stock} | ${f.humanShareOfDemand} | ${f.humanShareOfUnits} | ${f.humanShareRatio} | ${f.jainIndex} | ${r.unitsPerScript} | ${r.unitsPerHuman} | ${r.oversell}`,
		);
		if (r.preQueue !== null)
			lines.push(
				`       in the pre-queue (shuffled at the start): ${r.preQueue.humans} of ${r.humans} humans, ${r.preQueue.scriptSessions} of ${r.scriptSessions} script sessions`,
			);
		if (r.admittedWithoutUnit !== null)
			lines.push(
				`       admitted but the unit was gone (the overbook margin): ${r.admittedWithoutUnit.humans} humans, ${r.admittedWithoutUnit.scriptSessions} script sessions`,
			);
		if (r.admissions !== null)
			lines.push(
				`       admitted: ${r.admissions.humans} humans (${r.admissions.humansWithHold} got a hold), ${r.admissions.scriptSessions} script sessions (${r.admissions.scriptSessionsWithHold} got a hold); hold rate humans ÷ scripts ${r.admissions.holdRatio ?? "-"}`,
			);
		if (r.eta !== null)
			lines.push(
				`       ETA: ${r.eta.samples} humans saw one while waiting; median |error| ${r.eta.medianAbsErrorSeconds ?? "-"} s; wait within the shown range (± one look): ${Math.round(r.eta.withinRange * 100)} %`,
			);
		const v = r.serverView;
		if (v !== null)
			lines.push(
				`       server's view: ${v.figures.sessions} sessions asking, Jain ${v.figures.jainIndex === null ? "-" : round(v.figures.jainIndex)}${v.figures.unitsPerAdmission === null ? "" : `, ${round(v.figures.unitsPerAdmission)} units per admission`}; ${v.suspectSessions === null ? "no bot signals (rate limits off)" : `suspect ${v.suspectSessions} sessions (truth: ${r.scriptSessions} script sessions) took ${v.unitsToSuspect} units (truth: scripts ${r.scriptUnits}); clear sessions' share ratio ${v.clearShareRatio ?? "-"} (truth: humans' ${f.humanShareRatio})`}`,
			);
		for (const p of r.problems) lines.push(`       problem: ${p}`);
	}
	return lines;
}
