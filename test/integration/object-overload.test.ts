// Cloudflare's Durable Object errors that mean "retry later" (src/worker/app.ts onError): a stub
// raises them marked `overloaded` (too many requests queued on the object) or `retryable` (the
// object restarted, moved or was reset by a deploy). They are the contract's 503 `unavailable`
// with a Retry-After, not 500. workerd here never raises them, so the routes below reach an
// object namespace whose stubs throw them, exactly where a real stub would; the simulated
// per-object limit (src/inventory/call-gate.ts) is thrown by the real object.
import { runInDurableObject } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { ObjectOverloaded } from "../../src/inventory/call-gate.ts";
import { callWith } from "./cost-support.ts";
import { ADMIN, call, createProduct, newSession } from "./helpers.ts";

type Mark = "overloaded" | "retryable";

/** An Error as a Durable Object stub raises it, with Cloudflare's mark set. */
function objectError(mark: Mark): Error {
	const message =
		mark === "overloaded"
			? "Durable Object is overloaded. Too many requests queued."
			: "Durable Object reset because its code was updated.";
	return Object.assign(new Error(message), { [mark]: true });
}

/** The INVENTORY namespace, except that every call on one of its stubs throws `error()`. */
function failingObjects(error: () => Error): DurableObjectNamespace {
	const stub = new Proxy(
		{},
		{
			get: (_target, name) =>
				// Not a thenable: only method calls fail.
				name === "then" ? undefined : () => Promise.reject(error()),
		},
	);
	const real = env.INVENTORY;
	return {
		idFromName: (name: string) => real.idFromName(name),
		idFromString: (id: string) => real.idFromString(id),
		newUniqueId: () => real.newUniqueId(),
		get: () => stub,
		getByName: () => stub,
		jurisdiction: () => failingObjects(error),
	} as unknown as DurableObjectNamespace;
}

describe.each(["overloaded", "retryable"] as const)("a Durable Object error marked %s", (mark) => {
	it("answers 503 unavailable with Retry-After on reserve, checkout and the admin's stats", async () => {
		const sku = await createProduct({ totalStock: 3 });
		const token = await newSession();
		const vars = { INVENTORY: failingObjects(() => objectError(mark)) } as never;
		const requests = [
			callWith(vars, "POST", "/api/reservations", { token, body: { sku, quantity: 1 } }),
			callWith(vars, "POST", "/api/checkout", {
				token,
				body: { reservationId: `rsv_0123456789abcdef~${sku}`, paymentMethod: "pm_card_visa" },
				headers: { "idempotency-key": `overload-${mark}` },
			}),
			callWith(vars, "GET", `/api/admin/products/${sku}/stats`, { token: ADMIN }),
		];
		for (const res of await Promise.all(requests)) {
			expect(res.status, JSON.stringify(res.body)).toBe(503);
			expect(res.body.error?.code).toBe("unavailable");
			expect(res.body.error?.message).toMatch(/retry shortly/);
			expect(res.headers.get("retry-after")).toBe("1");
		}
	});
});

describe("an error with neither mark", () => {
	it("is still a bug: 500 internal_error", async () => {
		const sku = await createProduct({ totalStock: 3 });
		const token = await newSession();
		const vars = { INVENTORY: failingObjects(() => new Error("something broke")) } as never;
		const res = await callWith(vars, "POST", "/api/reservations", {
			token,
			body: { sku, quantity: 1 },
		});
		expect(res.status).toBe(500);
		expect(res.body.error?.code).toBe("internal_error");
	});
});

describe("the simulated per-object limit", () => {
	it("is marked overloaded and answered 503 across the real object's RPC", async () => {
		expect(new ObjectOverloaded("queue full").overloaded).toBe(true);
		const sku = await createProduct({ totalStock: 3 });
		const token = await newSession();
		// The limit refusing every call, as a full queue would (call-gate.ts MAX_EMULATED_QUEUE_MS).
		await runInDurableObject(env.INVENTORY.get(env.INVENTORY.idFromName(sku)), (instance) => {
			(instance as unknown as { gate: { pass(): Promise<void> } }).gate = {
				pass: () => Promise.reject(new ObjectOverloaded("object over its emulated limit (test)")),
			};
		});
		const res = await call("POST", "/api/reservations", {
			token,
			body: { sku, quantity: 1 },
			headers: { "idempotency-key": "overload-emulated" },
		});
		expect(res.status, JSON.stringify(res.body)).toBe(503);
		expect(res.body.error).toMatchObject({
			code: "unavailable",
			message: "This product is busy; retry shortly.",
		});
		expect(res.headers.get("retry-after")).toBe("1");
	});
});
