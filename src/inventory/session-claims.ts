// The units a shard's reserve calls in flight have claimed, per session
// (docs/decisions/121-a-sessions-claims-in-flight.md): so that a session's concurrent calls
// claim together at most what its purchase limit leaves, and a call that would claim more
// waits for that session's calls before it to be decided (inventory/shard-reserve.ts).
// In memory only: calls in flight end with the object.

interface SessionEntry {
	units: number;
	/** The calls in flight for the session, each settled when decided. */
	calls: Set<Promise<void>>;
}

export class SessionClaims {
	private readonly bySession = new Map<string, SessionEntry>();

	/** Units the session's calls in flight have claimed (0 when none is in flight). */
	units(sessionId: string): number {
		return this.bySession.get(sessionId)?.units ?? 0;
	}

	/**
	 * Counts one call's claims (units per session that claims any); answers what ends them once
	 * the call is decided. Called in the synchronous turn that counted the claims, so two calls
	 * never both see none in flight.
	 */
	hold(perSession: ReadonlyMap<string, number>): () => void {
		if (perSession.size === 0) return () => {};
		let settle: () => void = () => {};
		const call = new Promise<void>((resolve) => {
			settle = resolve;
		});
		for (const [sessionId, units] of perSession) {
			let entry = this.bySession.get(sessionId);
			if (entry === undefined) {
				entry = { units: 0, calls: new Set() };
				this.bySession.set(sessionId, entry);
			}
			entry.units += units;
			entry.calls.add(call);
		}
		let ended = false;
		return () => {
			if (ended) return;
			ended = true;
			for (const [sessionId, units] of perSession) {
				const entry = this.bySession.get(sessionId);
				if (entry === undefined) continue;
				entry.units -= units;
				entry.calls.delete(call);
				if (entry.calls.size === 0) this.bySession.delete(sessionId);
			}
			settle();
		};
	}

	/** Settles when every call in flight now for these sessions has been decided. */
	async settled(sessionIds: Iterable<string>): Promise<void> {
		const calls = new Set<Promise<void>>();
		for (const id of sessionIds) for (const c of this.bySession.get(id)?.calls ?? []) calls.add(c);
		await Promise.all(calls);
	}
}
