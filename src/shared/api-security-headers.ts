// The headers every answer of the API carries, success or refusal
// (docs/decisions/165-security-headers.md): a browser never reads a JSON answer as another type (a
// 404 quotes the request's path), and no site frames one. The pages' own headers, a
// Content-Security-Policy among them, are the static assets' (src/web/public/_headers). Sent by the
// Worker (src/worker/http.ts) and by `npm run dev`'s loopback front on its refusals
// (scripts/dev-front.ts).

export const API_SECURITY_HEADERS = {
	"X-Content-Type-Options": "nosniff",
	"X-Frame-Options": "DENY",
} as const;
