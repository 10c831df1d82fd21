// The session-creation bucket counted once for every isolate (src/worker/middleware/ratelimit.ts
// takeSessionEverywhere): on Cloudflare each isolate keeps its own buckets, so without the
// limiter object a client reaching several isolates made RATE_LIMIT_SESSIONS a window in each.
// Here "another isolate" is the limiter object spent directly; this isolate's bucket is fresh.

import { evictDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { clientKey, DEFAULT_IPV6_PREFIX_BITS } from "../../src/domain/client-key.ts";
import { ipHash } from "../../src/worker/secrets.ts";
import { freshIp, limited } from "./ratelimit-support.ts";

async function sessionLimiter(ip: string) {
	const hash = await ipHash(
		env.IP_HASH_SECRET as string,
		clientKey(ip, DEFAULT_IPV6_PREFIX_BITS),
		Date.now(),
	);
	return env.LIMITER.get(env.LIMITER.idFromName(`sessions:${hash.slice(0, 32)}`));
}

describe("session creation per client, across isolates", () => {
	it("a client whose sessions were made through other isolates is refused here, with an honest Retry-After", async () => {
		const ip = freshIp();
		const limiter = await sessionLimiter(ip);
		for (let i = 0; i < 30; i++) expect((await limiter.takeToken(30, 60_000)).ok).toBe(true);
		// A token comes back every 2 s of real time; on a loaded machine the 30 calls may pass
		// one, so whatever came back meanwhile is spent too, right before the request.
		let refilled = 0;
		while ((await limiter.takeToken(30, 60_000)).ok) refilled++;
		expect(refilled).toBeLessThan(30);
		const refused = await limited("POST", "/api/sessions", {
			ip,
			body: { turnstileToken: "test-debug-token" },
		});
		expect(refused.status).toBe(429);
		expect(refused.body.error?.message).toContain("30 new sessions per 60 s");
		expect(Number(refused.headers.get("retry-after"))).toBeGreaterThanOrEqual(1);
		expect(Number(refused.headers.get("retry-after"))).toBeLessThanOrEqual(2);
		// Another client is not affected.
		const other = await limited("POST", "/api/sessions", {
			ip: freshIp(),
			body: { turnstileToken: "test-debug-token" },
		});
		expect(other.status).toBe(201);
	});

	it("the limiter's bucket: the limit at once, then one per window ÷ limit, kept across an eviction", async () => {
		const limiter = env.LIMITER.get(env.LIMITER.idFromName(`sessions:${crypto.randomUUID()}`));
		const t = 1_800_000_000_000;
		expect(await limiter.takeToken(2, 60_000, t)).toEqual({ ok: true, tokensLeft: 1 });
		const second = await limiter.takeToken(2, 60_000, t + 1);
		expect(second.ok).toBe(true);
		expect(second.tokensLeft).toBeCloseTo(0, 3);
		const refused = await limiter.takeToken(2, 60_000, t + 2);
		expect(refused.ok).toBe(false);
		if (!refused.ok) expect(refused.retryAfterMs).toBeGreaterThan(29_000);
		await evictDurableObject(limiter);
		expect((await limiter.takeToken(2, 60_000, t + 10_000)).ok).toBe(false);
		expect(await limiter.takeToken(2, 60_000, t + 30_002)).toMatchObject({ ok: true });
	});

	it("a bucket told the level of the day before's keeps no more tokens than it after its take", async () => {
		const limiter = env.LIMITER.get(env.LIMITER.idFromName(`sessions:${crypto.randomUUID()}`));
		const t = 1_800_000_000_000;
		// A new bucket would start full (30) and keep 29; told 2, it keeps 2.
		expect(await limiter.takeToken(30, 60_000, t, 2)).toEqual({ ok: true, tokensLeft: 2 });
		expect(await limiter.takeToken(30, 60_000, t, 5)).toEqual({ ok: true, tokensLeft: 1 });
		expect(await limiter.takeToken(30, 60_000, t)).toEqual({ ok: true, tokensLeft: 0 });
		expect((await limiter.takeToken(30, 60_000, t)).ok).toBe(false);
	});
});
