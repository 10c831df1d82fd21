// Measurement-only Worker for cli/ratelimit-probe.ts (see wrangler.jsonc here).
// Each route does exactly one rate-limit check in one of the places issue 7
// weighs, with the product's own counter code, and answers 200 "ok" or 429:
//   /noop        no check: the runtime's hello-world, the baseline
//   /memory      a token bucket in this isolate's memory (the edge option)
//   /binding     the Workers Rate Limiting binding
//   /limiter-do  a dedicated limiter Durable Object per key (an extra hop)
//   /hot-rpc     an RPC to one hot object that does nothing: the hop a reserve already pays
//   /hot-check   the same RPC, with the per-session guard inside (counters in the SKU's object)
//   /bench       runs n checks of one kind inside one request: the mean cost per check
//   /ip          echoes CF-Connecting-IP (does a client-set header reach the Worker locally?)
//   /now         the Worker's Date.now() at arrival (how regular does a timer loop look at the edge?)

import { DurableObject } from "cloudflare:workers";
import { BoundedMap, TokenBucket } from "../../domain/ratelimit.ts";
import type { ReserveLimits } from "../config.ts";
import { ReserveGuard } from "../guard.ts";

interface ProbeEnv {
	LIMITER: DurableObjectNamespace<ProbeLimiter>;
	HOT: DurableObjectNamespace<ProbeHotObject>;
	PROBE_RL: RateLimit;
}

/** High enough that every probe request passes: the probe measures the cost of a counted check. */
const LIMIT = 1_000_000;
const WINDOW_MS = 60_000;
const GUARD_LIMITS: ReserveLimits = {
	windowMs: WINDOW_MS,
	verified: LIMIT,
	new: LIMIT,
	suspected: LIMIT,
	flaggedForMs: WINDOW_MS,
};

const buckets = new BoundedMap<TokenBucket>(100_000);

function answer(ok: boolean): Response {
	return new Response(ok ? "ok" : "limited", { status: ok ? 200 : 429 });
}

export class ProbeLimiter extends DurableObject {
	private bucket: TokenBucket | null = null;
	take(nowMs: number): boolean {
		this.bucket ??= new TokenBucket(LIMIT, nowMs);
		return this.bucket.take(nowMs, LIMIT, WINDOW_MS).ok;
	}
}

export class ProbeHotObject extends DurableObject {
	private readonly guard = new ReserveGuard();
	noop(_key: string): boolean {
		return true;
	}
	check(key: string, arrivedAtMs: number): boolean {
		return this.guard.attempt(key, arrivedAtMs, Date.now(), GUARD_LIMITS).ok;
	}
	checkMany(key: string, arrivedAtMs: number, times: number): number {
		let ok = 0;
		for (let i = 0; i < times; i++)
			if (this.guard.attempt(`${key}:${i}`, arrivedAtMs + i, Date.now(), GUARD_LIMITS).ok) ok++;
		return ok;
	}
}

/** Most checks one /bench request may run. */
const MAX_BENCH_N = 200_000;

/**
 * Runs `n` checks of one kind one after another inside this request and
 * reports the mean time per check. Workers clocks only move on I/O, so the
 * closing timer read is what makes a pure-memory loop measurable.
 */
async function bench(
	env: ProbeEnv,
	kind: string,
	n: number,
): Promise<{ kind: string; n: number; ms: number; perCheckUs: number }> {
	const count = Number.isInteger(n) && n > 0 ? Math.min(n, MAX_BENCH_N) : 1000;
	const hot = env.HOT.get(env.HOT.idFromName("HOT"));
	const start = Date.now();
	for (let i = 0; i < count; i++) {
		const key = `k${i % 1000}`;
		const now = Date.now();
		switch (kind) {
			case "memory":
				buckets.use(key, () => new TokenBucket(LIMIT, now)).take(now, LIMIT, WINDOW_MS);
				break;
			case "binding":
				await env.PROBE_RL.limit({ key });
				break;
			case "limiter-do":
				await env.LIMITER.get(env.LIMITER.idFromName(key)).take(now);
				break;
			case "hot-rpc":
				await hot.noop(key);
				break;
			case "hot-check":
				await hot.check(key, now);
				break;
			case "hot-guard-x100":
				// 100 guard checks inside one RPC: the guard's own cost, the hop shared.
				await hot.checkMany(key, now, 100);
				break;
			default:
				break;
		}
	}
	await new Promise((r) => setTimeout(r, 1));
	const ms = Date.now() - start - 1;
	const checks = kind === "hot-guard-x100" ? count * 100 : count;
	return { kind, n: checks, ms, perCheckUs: (ms * 1000) / checks };
}

export default {
	async fetch(request: Request, env: ProbeEnv): Promise<Response> {
		const url = new URL(request.url);
		const key = url.searchParams.get("k") ?? "anon";
		const now = Date.now();
		switch (url.pathname) {
			case "/noop":
				return answer(true);
			case "/memory":
				return answer(
					buckets.use(key, () => new TokenBucket(LIMIT, now)).take(now, LIMIT, WINDOW_MS).ok,
				);
			case "/binding":
				return answer((await env.PROBE_RL.limit({ key })).success);
			case "/limiter-do":
				return answer(await env.LIMITER.get(env.LIMITER.idFromName(key)).take(now));
			case "/hot-rpc":
				return answer(await env.HOT.get(env.HOT.idFromName("HOT")).noop(key));
			case "/hot-check":
				return answer(await env.HOT.get(env.HOT.idFromName("HOT")).check(key, now));
			case "/bench":
				return Response.json(
					await bench(env, url.searchParams.get("kind") ?? "", Number(url.searchParams.get("n"))),
				);
			case "/now":
				return new Response(String(now));
			case "/ip":
				return new Response(request.headers.get("cf-connecting-ip") ?? "(none)");
			default:
				return new Response("not found", { status: 404 });
		}
	},
} satisfies ExportedHandler<ProbeEnv>;
