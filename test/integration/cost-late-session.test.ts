// A session this isolate learns only after the cost middleware judged the request without it: the
// route found it later (a slow KV the middleware stopped waiting for, decision 094; a KV read that
// failed, then answered when the route asked again, decision 056; a renewal, whose session comes
// from the request's body). The response still charges the session, and the entry the ledger makes
// for it must read the session's stored total from its group, so the demo cost limit holds from the
// session's next request, as it does after any first sight (src/worker/cost/ledger.ts entryFor).
// The groups' flushes fail here: the only way the isolate can learn the stored total is its read.
import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { beforeEach, describe, expect, it } from "vitest";
import { app } from "../../src/worker/app.ts";
import { forgetLedgerIsolate } from "../../src/worker/cost/ledger.ts";
import { ledgerGroupName, ledgerGroupOf } from "../../src/worker/cost/ledger-groups.ts";
import { OPTIONAL_SESSION_WAIT_MS } from "../../src/worker/middleware/auth.ts";
import { KV_DEADLINE_MS } from "../../src/worker/storage-errors.ts";
import { callWith, costOf, sessionWith, type Vars } from "./cost-support.ts";
import { type ApiResponse, createProduct } from "./helpers.ts";
import { sessionFromElsewhere, slowKv } from "./session-store-support.ts";

/** Real spend = virtual spend here, and a session past $1 is refused. */
const LIMITS = { BILLING_SCALE: "1", DEMO_COST_LIMIT: "1" };
/** What other isolates have flushed for the session: far past the limit. */
const STORED_USD = 5;

function groups() {
	const ns = env.LEDGER_GROUP;
	if (ns === undefined) throw new Error("the LEDGER_GROUP binding is missing from wrangler.jsonc");
	return ns;
}

/**
 * The ledger groups as this isolate reaches them: reads answer, every flush fails (so no flush's
 * answer can tell the isolate the stored total), and the reads are counted.
 */
function ledgerThatCannotFlush(): { ns: NonNullable<typeof env.LEDGER_GROUP>; reads: string[] } {
	const ns = groups();
	const reads: string[] = [];
	const proxied = new Proxy(ns, {
		get(target, prop) {
			if (prop === "get") {
				return (id: DurableObjectId) => {
					const stub = target.get(id);
					return {
						read: (sessionId: string) => {
							reads.push(sessionId);
							return stub.read(sessionId);
						},
						add: () => Promise.reject(new Error("ledger group unreachable (test)")),
						changeGuardrail: (...args: Parameters<typeof stub.changeGuardrail>) =>
							stub.changeGuardrail(...args),
					};
				};
			}
			const value = Reflect.get(target, prop) as unknown;
			return typeof value === "function" ? value.bind(target) : value;
		},
	});
	return { ns: proxied, reads };
}

/** The session store failing its first read, then answering: decision 056's case. */
function kvFailingOnce(): KVNamespace {
	let failed = false;
	return new Proxy(env.SESSIONS, {
		get(target, prop) {
			const value = Reflect.get(target, prop) as unknown;
			if (typeof value !== "function") return value;
			return (...args: unknown[]) => {
				if (prop === "get" && !failed) {
					failed = true;
					return Promise.reject(new Error("KV GET failed: 500 Internal Server Error"));
				}
				return Reflect.apply(value as (...a: unknown[]) => unknown, target, args);
			};
		},
	});
}

/** A call whose background work (the ledger's read, its failing flush) has all settled. */
async function settled<T>(
	vars: Vars,
	method: string,
	path: string,
	options: { token?: string; body?: unknown } = {},
): Promise<ApiResponse<T>> {
	const headers: Record<string, string> = { "content-type": "application/json" };
	if (options.token !== undefined) headers.authorization = `Bearer ${options.token}`;
	const body = options.body === undefined ? undefined : JSON.stringify(options.body);
	const ctx = createExecutionContext();
	const res = await app.fetch(
		new Request(`http://rg.test${path}`, { method, headers, body }),
		{ ...env, ...vars },
		ctx,
	);
	const text = await res.text();
	await waitOnExecutionContext(ctx);
	return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : {} };
}

beforeEach(() => {
	// An isolate that has never seen the session, nor sent to its group.
	forgetLedgerIsolate();
});

describe.each([
	{
		how: "KV slower than the optional wait: the reserve joins the read the cost middleware left",
		kv: () => slowKv(OPTIONAL_SESSION_WAIT_MS + (KV_DEADLINE_MS - OPTIONAL_SESSION_WAIT_MS) / 2).kv,
		renew: false,
	},
	{
		how: "KV failing the cost middleware's read, then answering the reserve's",
		kv: kvFailingOnce,
		renew: false,
	},
	{ how: "a renewal: the session comes from the body", kv: () => env.SESSIONS, renew: true },
])("a session known only after the cost middleware ($how)", ({ kv, renew }) => {
	it("reads its stored total from its group, so its next request is refused past the limit", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const { token, sessionId } = await sessionFromElsewhere();
		await groups()
			.get(groups().idFromName(ledgerGroupName(ledgerGroupOf(sessionId))))
			.add([{ sessionId, deltaUsd: STORED_USD }]);
		const ledger = ledgerThatCannotFlush();
		const vars = { ...LIMITS, SESSIONS: kv(), LEDGER_GROUP: ledger.ns } as never;

		// The request the middleware judged without the session: it answers, charged to the session.
		let next = token;
		if (renew) {
			const renewed = await settled<{ token: string; renewed: boolean }>(
				vars,
				"POST",
				"/api/sessions",
				{ body: { turnstileToken: "test-debug-token", renewToken: token } },
			);
			expect(renewed.status, JSON.stringify(renewed.body)).toBe(201);
			expect(renewed.body.data?.renewed).toBe(true);
			expect(costOf(renewed).scope).toBe("session");
			next = renewed.body.data?.token ?? "";
		} else {
			const held = await settled(vars, "POST", "/api/reservations", { token, body: { sku } });
			expect(held.status, JSON.stringify(held.body)).toBe(201);
			expect(costOf(held).scope).toBe("session");
		}

		// Its next request: the session is known at once (cached), and its total is the stored one.
		const refused = await callWith(vars, "GET", `/api/products/${sku}/availability`, {
			token: next,
		});
		expect(refused.status, JSON.stringify(refused.body)).toBe(503);
		expect(refused.body.error?.code).toBe("cost_limit");
		expect(costOf(refused).virtualUsd).toBeGreaterThanOrEqual(STORED_USD);
		// One read for the session's first sight in this isolate, none for the request after it.
		expect(ledger.reads).toEqual([sessionId]);
	});
});

describe("a session minted here", () => {
	it("starts from zero without a read of its group, and so does every request after", async () => {
		const sku = await createProduct({ totalStock: 5 });
		const ledger = ledgerThatCannotFlush();
		const vars = { ...LIMITS, LEDGER_GROUP: ledger.ns } as never;
		const { token } = await sessionWith(vars);
		for (let i = 0; i < 3; i++) {
			const read = await callWith(vars, "GET", `/api/products/${sku}/availability`, { token });
			expect(read.status, JSON.stringify(read.body)).toBe(200);
			expect(costOf(read).scope).toBe("session");
		}
		expect(ledger.reads).toEqual([]);
	});
});
