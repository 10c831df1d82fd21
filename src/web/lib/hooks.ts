// Small Preact hooks shared by the pages.

import { useEffect, useState } from "preact/hooks";
import { randomHex } from "../../shared/hex.ts";

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
	return randomHex(16);
}
