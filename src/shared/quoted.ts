// A value from a request quoted in an answer's message: the Worker's (src/worker/http.ts) and
// `npm run dev`'s loopback front's (scripts/dev-front.ts), which judge the same host names.

/**
 * A value from the request quoted in a message (JSON string syntax), cut to `max` characters so
 * that an answer's size does not follow the request's (a 60,000-character path, a header).
 */
export function quoted(value: string, max = 80): string {
	return value.length <= max ? JSON.stringify(value) : `${JSON.stringify(value.slice(0, max))}…`;
}
