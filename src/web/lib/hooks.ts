// Small Preact hooks shared by the pages.

import { useEffect, useState } from "preact/hooks";

/** The current time, re-rendered every `everyMs` while mounted (countdowns). */
export function useNow(everyMs = 250): number {
	const [now, setNow] = useState(() => Date.now());
	useEffect(() => {
		const id = setInterval(() => setNow(Date.now()), everyMs);
		return () => clearInterval(id);
	}, [everyMs]);
	return now;
}

/** 128 random bits as hex. Not crypto.randomUUID: that needs a secure context, and a phone on the LAN over http is not one. */
export function newIdempotencyKey(): string {
	const bytes = crypto.getRandomValues(new Uint8Array(16));
	return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}
