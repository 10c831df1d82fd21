// The Idempotency-Key header (docs/api.md, "Idempotency-Key"): optional on reserve,
// required on checkout; a malformed key is a 400 that changes nothing.

import { IDEMPOTENCY_KEY_PATTERN } from "../domain/bounds.ts";
import { ApiError, type Ctx } from "./http.ts";

export function idempotencyKey(c: Ctx, required = false): string | null {
	// The raw headers: Hono's c.req.header() wraps the same read (docs/hot-path/edge-cost.md, "Edge CPU of a
	// reserve and a sold-out answer").
	const key = c.req.raw.headers.get("idempotency-key");
	if (key === null) {
		if (required) throw new ApiError("invalid_request", "Idempotency-Key header is required.");
		return null;
	}
	if (!IDEMPOTENCY_KEY_PATTERN.test(key)) {
		throw new ApiError(
			"invalid_request",
			"Idempotency-Key must be 1–255 printable ASCII characters.",
		);
	}
	return key;
}
