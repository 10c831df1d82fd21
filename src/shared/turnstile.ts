// Turnstile's documented test values (developers.cloudflare.com/turnstile/troubleshooting/testing/).
// Public by design: the test site keys hand this token to every page that shows them.

/** The response token produced by Turnstile's test site keys. Production secret keys reject it. */
export const TURNSTILE_DUMMY_TOKEN = "XXXX.DUMMY.TOKEN.XXXX";
