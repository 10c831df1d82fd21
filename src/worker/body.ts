// Types at the edges: every JSON body is size-checked, content-type-checked,
// parsed and validated here, and rejected with a message naming the field.

import type { MiddlewareHandler } from "hono";
import type { z } from "zod";
import { MAX_BODY_BYTES } from "../domain/bounds.ts";
import { quoted } from "../shared/quoted.ts";
import { ApiError, type AppEnv, type Ctx } from "./http.ts";

/**
 * Bodies are UTF-8 (docs/api.md), whatever charset a Content-Type declares: bytes that are not
 * are refused, never replaced with U+FFFD, which would store a name other than the one sent. Stateless between calls (no `stream`), so
 * one decoder serves every request.
 */
const UTF8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: false });

function decodeUtf8(bytes: ArrayBuffer | Uint8Array): string {
	try {
		return UTF8.decode(bytes);
	} catch {
		throw new ApiError(
			"invalid_request",
			"The request body is not valid UTF-8; bodies are JSON encoded as UTF-8.",
		);
	}
}

/**
 * The hot routes' body (a reserve, a checkout: the routes given a `plain` check), decoded by the
 * runtime's `text()`, which replaces bytes that are not UTF-8 with U+FFFD instead of failing. No
 * field of theirs can hold U+FFFD (a SKU, an id, a payment method: ASCII patterns or ids the
 * server made), so a U+FFFD in the text is refused as the fatal decoder would refuse the bytes.
 * The fatal decoder's copy into an ArrayBuffer cost a sold-out answer about a tenth of its CPU
 * (docs/decisions/107-bad-input-the-server-took.md).
 */
function hotText(text: string): string {
	if (text.includes("\ufffd")) {
		throw new ApiError(
			"invalid_request",
			"The request body is not valid UTF-8 (or carries U+FFFD, which no field of this route takes); bodies are JSON encoded as UTF-8.",
		);
	}
	return text;
}

async function readLimited(body: ReadableStream<Uint8Array> | null): Promise<Uint8Array> {
	if (body === null) return new Uint8Array(0);
	const reader = body.getReader();
	const chunks: Uint8Array[] = [];
	let size = 0;
	for (;;) {
		const { done, value } = await reader.read();
		if (done) break;
		size += value.byteLength;
		// Stop reading as soon as the limit is passed: a chunked upload has no Content-Length.
		if (size > MAX_BODY_BYTES) {
			await reader.cancel();
			throw new ApiError("payload_too_large");
		}
		chunks.push(value);
	}
	const all = new Uint8Array(size);
	let offset = 0;
	for (const chunk of chunks) {
		all.set(chunk, offset);
		offset += chunk.byteLength;
	}
	return all;
}

/**
 * The raw body as text, bounded by MAX_BODY_BYTES (413 past it), whatever its type: for a route
 * that takes no fields but must tell one body from another (a keyed reset, routes/admin-reset.ts).
 */
export async function readBodyText(c: Ctx): Promise<string> {
	const declared = Number(c.req.raw.headers.get("content-length") ?? "0");
	if (declared > MAX_BODY_BYTES) throw new ApiError("payload_too_large");
	return decodeUtf8(await readLimited(c.req.raw.body));
}

/**
 * For a route that reads no body (a queue join, a cancel, an unkeyed reset, the demo's sandbox
 * and trip): a body over MAX_BODY_BYTES is 413 as on every route (docs/api.md), judged by its
 * Content-Length, or, for a chunked one that announces none, by reading at most that many bytes
 * of it. A smaller body is ignored, as it always was.
 */
export async function refuseLargeBody(c: Ctx): Promise<void> {
	const headers = c.req.raw.headers;
	const declared = headers.get("content-length");
	if (declared !== null && headers.get("transfer-encoding") === null) {
		if (Number(declared) > MAX_BODY_BYTES) throw new ApiError("payload_too_large");
	} else {
		await readLimited(c.req.raw.body);
	}
}

/** refuseLargeBody as a route's middleware. */
export const bodyWithinBound: MiddlewareHandler<AppEnv> = async (c, next) => {
	await refuseLargeBody(c);
	await next();
};

export function describeIssues(error: z.ZodError): string {
	return error.issues
		.slice(0, 3)
		.map((issue) => {
			const path = issue.path.length > 0 ? issue.path.join(".") : "body";
			return `${path}: ${issue.message}`;
		})
		.join("; ");
}

/** The one Content-Type every JSON client sends, compared before the pattern that allows the rest. */
const PLAIN_JSON_TYPE = "application/json";

/**
 * Reads a JSON body and validates it; `allowEmpty` treats no body as `{}`. `plain`, a hand check
 * of the body's common shape, is tried before the schema: it must accept only values the schema
 * accepts and return what the schema would (worker/reserve-body.ts); null sends the value to
 * the schema, whose message names what is wrong.
 */
export async function parseBody<S extends z.ZodType>(
	c: Ctx,
	schema: S,
	options: { allowEmpty?: boolean; plain?: (value: unknown) => z.infer<S> | null } = {},
): Promise<z.infer<S>> {
	const headers = c.req.raw.headers;
	const declared = headers.get("content-length");
	const length = Number(declared ?? "0");
	if (length > MAX_BODY_BYTES) throw new ApiError("payload_too_large");
	const type = headers.get("content-type") ?? "";
	// Body-less operator calls (reset) may omit both the body and its type.
	if (options.allowEmpty && length === 0 && type === "") return schema.parse({});
	if (type !== PLAIN_JSON_TYPE && !/^application\/json\s*(;|$)/i.test(type)) {
		throw new ApiError(
			"unsupported_media_type",
			`Content-Type must be application/json, got ${type === "" ? "none" : quoted(type)}.`,
		);
	}
	// A `charset` parameter is ignored, as RFC 8259 §11 says JSON's recipients do: the body is
	// read as UTF-8 whatever it declares, and bytes that are not UTF-8 are refused above.
	// With a Content-Length (checked above) the runtime delivers exactly that many bytes, so one
	// read of the whole body is bounded; the chunk-by-chunk read with its running count is for
	// chunked uploads, which announce no length. The chunked read was a sixth of a sold-out
	// answer's CPU profile (docs/hot-path/edge-cost.md, "The edge's per-request cost").
	const whole = declared !== null && headers.get("transfer-encoding") === null;
	const text =
		whole && options.plain !== undefined
			? hotText(await c.req.raw.text())
			: decodeUtf8(whole ? await c.req.raw.arrayBuffer() : await readLimited(c.req.raw.body));
	if (text.trim() === "") {
		if (options.allowEmpty) return schema.parse({});
		throw new ApiError("invalid_request", "The request body is empty; a JSON object is required.");
	}
	let value: unknown;
	try {
		value = JSON.parse(text);
	} catch {
		throw new ApiError("invalid_request", "The request body is not valid JSON.");
	}
	const plain = options.plain?.(value);
	if (plain !== undefined && plain !== null) return plain;
	const parsed = schema.safeParse(value);
	if (!parsed.success) throw new ApiError("invalid_request", describeIssues(parsed.error));
	return parsed.data;
}
