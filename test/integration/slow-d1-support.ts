// D1 as the slow-database tests bend it: a binding that never answers (for the edge), one that
// answers late, and one whose batches the test holds and lets land later (for a SKU object's
// outbox, test/integration/worker.ts).
import { env } from "cloudflare:workers";

type AnyFunction = (...args: unknown[]) => unknown;

/**
 * D1 answering every call `delayMs` late (never, when null): statements are made as D1 makes them;
 * running one (first, all, run, raw) or a batch waits. `calls` names each call, in order, and
 * `answered` counts the calls that have answered.
 */
export function slowD1(delayMs: number | null): {
	db: D1Database;
	calls: string[];
	answered: () => number;
} {
	const calls: string[] = [];
	let answered = 0;
	const late = <T>(name: string, run: () => Promise<T>): Promise<T> => {
		calls.push(name);
		if (delayMs === null) return new Promise<T>(() => {});
		return new Promise((resolve) => setTimeout(resolve, delayMs)).then(run).finally(() => {
			answered += 1;
		});
	};
	const statement = (real: D1PreparedStatement): D1PreparedStatement =>
		new Proxy(real, {
			get(target, prop) {
				const value = Reflect.get(target, prop) as unknown;
				if (typeof value !== "function") return value;
				if (prop === "bind") {
					return (...values: unknown[]) => statement(target.bind(...values));
				}
				return (...args: unknown[]) =>
					late(String(prop), () =>
						Promise.resolve(Reflect.apply(value as AnyFunction, target, args)),
					);
			},
		});
	const db = new Proxy(env.DB, {
		get(target, prop) {
			if (prop === "prepare") return (query: string) => statement(target.prepare(query));
			if (prop === "batch") {
				return (statements: D1PreparedStatement[]) => late("batch", () => target.batch(statements));
			}
			const value = Reflect.get(target, prop) as unknown;
			return typeof value === "function" ? (value as AnyFunction).bind(target) : value;
		},
	});
	return { db, calls, answered: () => answered };
}

/**
 * The real D1, whose batches (how the outbox writes) the test can hold: while held, a batch waits
 * unanswered; `release` lets the held ones land, in the order they were sent, and resolves once
 * they have.
 */
export class HeldD1 {
	readonly db: D1Database;
	/** Batches sent while held, in order; null while D1 answers at once. */
	private held: (() => Promise<void>)[] | null = null;
	/** Batches that were sent while held. */
	heldBatches = 0;
	/** Batches sent, held or not (queue-trail-batched.test.ts). */
	batches = 0;

	constructor(real: D1Database) {
		this.db = new Proxy(real, {
			get: (target, prop) => {
				if (prop === "batch") {
					return (statements: D1PreparedStatement[]) => {
						this.batches += 1;
						const held = this.held;
						if (held === null) return target.batch(statements);
						this.heldBatches += 1;
						return new Promise((resolve, reject) => {
							held.push(() => target.batch(statements).then(resolve, reject));
						});
					};
				}
				const value = Reflect.get(target, prop) as unknown;
				return typeof value === "function" ? (value as AnyFunction).bind(target) : value;
			},
		});
	}

	hold(): void {
		this.held = [];
		this.heldBatches = 0;
	}

	async release(): Promise<void> {
		const held = this.held ?? [];
		this.held = null;
		for (const land of held) await land();
	}
}
