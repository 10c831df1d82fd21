// The Idempotency-Key header (docs/api.md, "Idempotency-Key"): optional on reserve,
// required on checkout; a malformed key is a 400 that changes nothing.

import { IDEMPOTENCY_KEY_PATTERN } from "../domain/bounds.ts";
import { ApiError, type Ctx } from "./http.ts";

export function idempotencyKey(c: Ctx, required = false): string | null {
	const key = c.req.header("idempotency-key");
	if (key === undefined) {
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
