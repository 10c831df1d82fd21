// The drop's deliberate duplicates (burst.ts): one reserve attempt sent twice at once with the
// same Idempotency-Key. What the contract promises of such a pair (docs/api.md, Reservations):
// a repeat gets the key's stored outcome and never takes a second hold. Not every answer is
// stored: 429 `rate_limited`, `hold_cooldown` and `queued` are never the key's outcome, so the
// other copy is decided afresh and may be answered otherwise — a copy cooled down, the last
// units taken by another buyer in between, and the other copy sold out
// (test/integration/idempotency-cooldown-pair.test.ts). The room's 403 `purchase_limit` to an
// unadmitted session is not stored either, but it reads on the wire as the stored one, so a 403
// is held to the rule like every stored answer. In `"mode": "eventual"` a key stores only its
// allocation (src/worker/eventual.ts `replay`): every refusal there is decided afresh, so a copy
// refused beside an allocation, or two different refusals, keep the contract; two allocations
// never do (docs/decisions/185-review-34s-findings.md).

/** One copy's answer. `status` 0: no answer. */
export interface DuplicateAnswer {
	status: number;
	/** The refusal's error code (the answer's quote when it had no envelope); null for a 2xx. */
	code: string | null;
	/** The hold a 201 named. */
	reservationId: string | null;
}

/** A deliberate duplicate: one attempt sent twice at once with the same Idempotency-Key. */
export interface DuplicateSend {
	key: string;
	/** One per copy, in the order they were sent (not the order the server decided them). */
	answers: DuplicateAnswer[];
}

/** The 429 codes the server never stores for a key (docs/api.md, "How long an outcome is replayed"). */
export const NEVER_STORED_429: ReadonlySet<string> = new Set([
	"rate_limited",
	"hold_cooldown",
	"queued",
]);

/** No answer or a 5xx: it may or may not have been decided, so it says nothing. */
const answered = (a: DuplicateAnswer) => a.status !== 0 && a.status < 500;

const neverStored = (a: DuplicateAnswer) =>
	a.status === 429 && a.code !== null && NEVER_STORED_429.has(a.code);

/** One copy's answer, as a failure quotes it. */
export function describeAnswer(a: DuplicateAnswer): string {
	if (a.status === 0) return "no answer";
	if (a.status === 201) return `201 ${a.reservationId ?? "(no reservationId)"}`;
	return a.code === null ? String(a.status) : `${a.status} ${a.code}`;
}

/**
 * Why a pair breaks the contract, or null when it keeps it: its answered copies took more than
 * one hold, or the answers the server stores (everything but a never-stored 429; in eventual
 * mode, only an allocation) differ. A 201 beside a stored refusal is such a difference whichever
 * came first: the later copy would have been the earlier one's replay.
 */
export function pairFault(d: DuplicateSend, mode: "safe" | "eventual" = "safe"): string | null {
	const copies = d.answers.filter(answered);
	const holds = new Set(
		copies.flatMap((a) => (a.status === 201 && a.reservationId !== null ? [a.reservationId] : [])),
	);
	if (holds.size > 1) return "two holds";
	const storedCopies =
		mode === "eventual"
			? copies.filter((a) => a.status === 201)
			: copies.filter((a) => !neverStored(a));
	const stored = new Set(storedCopies.map(describeAnswer));
	if (stored.size > 1) return "different stored answers";
	return null;
}
