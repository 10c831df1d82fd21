// A reserve burst cut short by kill -9, and the checks after the restart, shared by the
// crash tests of a SKU in one object (test/node/crash-burst.test.ts) and split across
// shards (test/node/crash-shards.test.ts). Node only.
import { expect } from "vitest";
import { api, type TestServer } from "./server.ts";

export type Attempt = { key: string; token: string; quantity: number };
export type Hold = Attempt & { reservationId: string };

function reserve(base: { url: string }, sku: string, attempt: Attempt) {
	return api<{ reservationId: string }>(base, "POST", "/api/reservations", {
		token: attempt.token,
		headers: { "idempotency-key": attempt.key },
		body: { sku, quantity: attempt.quantity },
	});
}

/**
 * One closed loop per token sends keyed attempts (1 or 2 units) until the server is gone;
 * the server is killed once `acksBeforeCrash` holds were acknowledged. The attempt each loop
 * had in flight then (or sent into the dead socket) is cut off.
 */
export async function burstUntilCrash(
	server: TestServer,
	sku: string,
	tokens: string[],
	acksBeforeCrash: number,
): Promise<{ holds: Hold[]; cutOff: Attempt[] }> {
	const holds: Hold[] = [];
	const cutOff: Attempt[] = [];
	let crashed: Promise<void> | undefined;
	const loop = async (index: number) => {
		const token = tokens[index] ?? "";
		for (let n = 0; ; n++) {
			const attempt = { key: `crash-${index}-${n}`, token, quantity: 1 + (n % 2) };
			let answer: Awaited<ReturnType<typeof reserve>>;
			try {
				answer = await reserve(server, sku, attempt);
			} catch {
				cutOff.push(attempt);
				return;
			}
			expect(answer.status, JSON.stringify(answer.body)).toBe(201);
			holds.push({ ...attempt, reservationId: answer.body.data?.reservationId ?? "" });
			if (holds.length >= acksBeforeCrash) crashed ??= server.crash();
		}
	};
	await Promise.all(tokens.map((_, index) => loop(index)));
	await crashed;
	expect(cutOff.length).toBe(tokens.length);
	return { holds, cutOff };
}

/**
 * After the restart: every acknowledged hold is still there as it was, and every cut-off
 * attempt, settled by its Idempotency-Key, is one hold more. Returns all the holds, each once.
 */
export async function recoverAfterCrash(
	server: TestServer,
	sku: string,
	burst: { holds: Hold[]; cutOff: Attempt[] },
): Promise<Hold[]> {
	const holds = [...burst.holds];
	for (const hold of holds) {
		const again = await api<{ status: string; quantity: number }>(
			server,
			"GET",
			`/api/reservations/${hold.reservationId}`,
			{ token: hold.token },
		);
		expect(again.status, hold.reservationId).toBe(200);
		expect(again.body.data).toMatchObject({ status: "RESERVED", quantity: hold.quantity });
	}
	for (const attempt of burst.cutOff) {
		const answer = await reserve(server, sku, attempt);
		expect(answer.status, JSON.stringify(answer.body)).toBe(201);
		holds.push({ ...attempt, reservationId: answer.body.data?.reservationId ?? "" });
	}
	expect(new Set(holds.map((hold) => hold.reservationId)).size).toBe(holds.length);
	return holds;
}
