// The shape of a token a client can present in `Authorization: Bearer <token>`, shared by the
// edge that reads the header (src/worker/middleware/auth.ts) and the configuration that refuses
// an ADMIN_TOKEN no header could ever carry (src/shared/config.ts): what one accepts, the other
// must (docs/decisions/084-turnstile-failures-admin-token-and-shard-ids.md).

/** Characters of a bearer token the edge reads from a header; a longer one is never a token of ours. */
export const MAX_BEARER_TOKEN_CHARS = 512;

/**
 * A configured token a client can present: visible ASCII (a header value cannot carry text
 * outside Latin-1, and the edge splits on white space), 1..MAX_BEARER_TOKEN_CHARS of it.
 * Null when it fits; else what is wrong, without echoing the token.
 */
export function bearerTokenProblem(token: string): string | null {
	const wrong: string[] = [];
	if (token.length > MAX_BEARER_TOKEN_CHARS)
		wrong.push(`it has ${token.length} characters, over ${MAX_BEARER_TOKEN_CHARS}`);
	if (/\s/.test(token)) wrong.push("it contains white space");
	if (/[^\x21-\x7e\s]/.test(token)) wrong.push("it contains characters outside visible ASCII");
	if (wrong.length === 0) return null;
	return `must be at most ${MAX_BEARER_TOKEN_CHARS} visible ASCII characters without white space, as it is sent in an \`Authorization: Bearer\` header (e.g. the output of \`openssl rand -hex 32\`); ${wrong.join(" and ")}`;
}
