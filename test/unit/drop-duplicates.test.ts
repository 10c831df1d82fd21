// The drop's check of its deliberate duplicate sends (cli/drop/duplicates.ts, used by
// cli/drop/verify.ts): two copies of one Idempotency-Key must get the key's stored answer and
// at most one hold; a copy answered with a 429 the server never stores for a key (docs/api.md,
// "How long an outcome is replayed") may differ. The verifier itself is fed such pairs, and its
// other rules broken records, in test/node/drop.test.ts ("the drop verifier": cli/drop/types.ts
// reaches the Node-only option parser, which this project's Workers types do not check).
import { describe, expect, it } from "vitest";
import { type DuplicateAnswer, type DuplicateSend, pairFault } from "../../cli/drop/duplicates.ts";

const hold = (reservationId: string): DuplicateAnswer => ({
	status: 201,
	code: null,
	reservationId,
});
const refused = (status: number, code: string): DuplicateAnswer => ({
	status,
	code,
	reservationId: null,
});
const pair = (...answers: DuplicateAnswer[]): DuplicateSend => ({
	key: `key-${crypto.randomUUID()}`,
	answers,
});

const HOLD = hold("rsv_a~SKU");
const SOLD_OUT = refused(409, "sold_out");
const COOLDOWN = refused(429, "hold_cooldown");
const RATE_LIMITED = refused(429, "rate_limited");
const QUEUED = refused(429, "queued");
const LIMIT = refused(403, "purchase_limit");
const NO_ANSWER: DuplicateAnswer = {
	status: 0,
	code: "HTTP 0: socket hang up",
	reservationId: null,
};
const FIVE_HUNDRED = refused(503, "unavailable");

describe("a duplicate pair against the contract", () => {
	it.each([
		["the same hold twice (the replay)", [HOLD, HOLD]],
		["the same refusal twice", [SOLD_OUT, SOLD_OUT]],
		["the same 403 twice", [LIMIT, LIMIT]],
		["a cool-down, then sold out once the last units went (the drop's pair)", [SOLD_OUT, COOLDOWN]],
		["a cool-down beside a hold (the cool-down ended between them)", [COOLDOWN, HOLD]],
		["a rate limit beside a hold", [HOLD, RATE_LIMITED]],
		["a rate limit beside a stored refusal", [RATE_LIMITED, SOLD_OUT]],
		["the room's queued beside a hold", [QUEUED, HOLD]],
		["two different never-stored 429s", [RATE_LIMITED, COOLDOWN]],
		["an unanswered copy beside a hold", [NO_ANSWER, HOLD]],
		["a 5xx beside a refusal", [SOLD_OUT, FIVE_HUNDRED]],
	] as const)("keeps it: %s", (_, answers) => {
		expect(pairFault(pair(...answers))).toBeNull();
	});

	it.each([
		["a hold and sold out", [HOLD, SOLD_OUT], "different stored answers"],
		["sold out and a hold", [SOLD_OUT, HOLD], "different stored answers"],
		[
			"a hold and the purchase limit (a 403 is held to the rule)",
			[LIMIT, HOLD],
			"different stored answers",
		],
		["sold out and the purchase limit", [SOLD_OUT, LIMIT], "different stored answers"],
		["one status, two codes", [SOLD_OUT, refused(409, "not_started")], "different stored answers"],
		["two holds", [HOLD, hold("rsv_b~SKU")], "two holds"],
		[
			"a 429 with a code the server stores",
			[refused(429, "HTTP 429: no error envelope"), HOLD],
			"different stored answers",
		],
		[
			"a 201 that names no hold beside one that does",
			[HOLD, { ...HOLD, reservationId: null }],
			"different stored answers",
		],
	] as const)("breaks it: %s", (_, answers, fault) => {
		expect(pairFault(pair(...answers))).toBe(fault);
	});
});

// Eventual mode stores only an allocation for a key (src/worker/eventual.ts `replay`): every
// refusal is decided afresh, so only two allocations, or two different ones, break the contract.
describe("a duplicate pair in eventual mode", () => {
	it.each([
		["an allocation and the purchase limit", [HOLD, LIMIT]],
		["sold out and an allocation", [SOLD_OUT, HOLD]],
		["sold out and the purchase limit", [SOLD_OUT, LIMIT]],
		["the same allocation twice (the replay)", [HOLD, HOLD]],
	] as const)("keeps it: %s", (_, answers) => {
		expect(pairFault(pair(...answers), "eventual")).toBeNull();
	});

	it.each([
		["two allocations", [HOLD, hold("evt_b~SKU")], "two holds"],
		[
			"a 201 that names no allocation beside one that does",
			[HOLD, { ...HOLD, reservationId: null }],
			"different stored answers",
		],
	] as const)("breaks it: %s", (_, answers, fault) => {
		expect(pairFault(pair(...answers), "eventual")).toBe(fault);
	});
});
