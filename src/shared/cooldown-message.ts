// The 429 `hold_cooldown` sentence (src/domain/hold-cooldown.ts), shared by the Worker's answer
// (worker/reserve-answer.ts) and the UI's mock backend, so both say the same thing.

/** What happened, that the units went to everyone else first, and when this session may try again. */
export function cooldownMessage(sku: string, seconds: number): string {
	return `Your hold on ${sku} ended without a payment, so its units went back to everyone else first: this session may reserve ${sku} again in ${seconds} s.`;
}
