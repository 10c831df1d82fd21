// Every limit of the system, named: a limit on everything, each in one place.

/** Units per reservation (docs/api.md: quantity 1..10). */
export const MAX_QUANTITY = 10;
/** Request bodies above this are refused with 413 (docs/api.md). */
export const MAX_BODY_BYTES = 16 * 1024;
/** docs/api.md: totalStock 0..10,000,000. */
export const MAX_TOTAL_STOCK = 10_000_000;
/** docs/api.md: holdSeconds 1..3600. */
export const MIN_HOLD_SECONDS = 1;
export const MAX_HOLD_SECONDS = 3600;
export const DEFAULT_HOLD_SECONDS = 120;
/** A drop typically caps units per buyer; an operator can raise it per product. */
export const DEFAULT_PER_USER_LIMIT = 2;
export const MAX_PER_USER_LIMIT = 1000;
/** docs/api.md: sku is 1–64 of [A-Za-z0-9._-]. */
export const SKU_PATTERN = /^[A-Za-z0-9._-]{1,64}$/;
/**
 * The two SKUs the pattern admits that no URL-standard client can name: the WHATWG URL parser
 * resolves a `.` or `..` path segment (and `%2E`, `%2E%2E`) away, so `/api/products/..` reaches
 * `/api/`. Refused at create (docs/decisions/089-prices-operator-budget-and-production-guards.md).
 */
export const DOT_SEGMENT_SKUS: readonly string[] = [".", ".."];
/** docs/api.md: Idempotency-Key is 1–255 printable ASCII. */
export const IDEMPOTENCY_KEY_PATTERN = /^[\x20-\x7E]{1,255}$/;
export const MAX_NAME_LENGTH = 200;
/**
 * What a product name may not hold (docs/api.md, "Operator"): control characters (C0, DEL, C1),
 * the line and paragraph separators (U+2028, U+2029: line breaks, categories Zl and Zp, not Cc),
 * the bidirectional embeddings, overrides and isolates that reorder the text shown after them
 * (U+202A–U+202E, U+2066–U+2069), and lone surrogates, which UTF-8 cannot carry. With the `u`
 * flag a lone surrogate is a code point of category Cs; a valid pair is one astral code point.
 */
export const NAME_FORBIDDEN = /[\p{Cc}\p{Cs}\p{Zl}\p{Zp}\u202A-\u202E\u2066-\u2069]/u;
/**
 * A name that shows as nothing: only white space and default-ignorable code points (Unicode's
 * Default_Ignorable_Code_Point: zero-width spaces and joiners, U+2060 word joiner, soft hyphen,
 * U+180E, variation selectors, Hangul fillers…), or the braille blank U+2800, which renders
 * empty. JavaScript's `trim()` keeps most of them, so such a name passes "1–200 characters
 * after trimming" while a buyer sees a blank product (docs/decisions/107-bad-input-the-server-took.md).
 */
export const NAME_INVISIBLE = /^[\p{White_Space}\p{Default_Ignorable_Code_Point}\u2800]+$/u;
/**
 * The request format's bound. A new product is priced 0..99,999,999 (docs/api.md): above that no
 * payment provider here charges (src/payment/provider.ts MAX_AMOUNT_CENTS), and the amount rule
 * refuses 100,000,000 naming priceCents; the format keeps taking it so that the same create of a
 * product stored at it earlier is still answered as it is
 * (docs/decisions/078-amount-bound-create-replay-and-a-gone-hold.md).
 */
export const MAX_PRICE_CENTS = 100_000_000;
/** Event pages: docs/api.md limit=1..1000. */
export const MAX_EVENTS_PAGE = 1000;
export const DEFAULT_EVENTS_PAGE = 100;
/** Attempts one RPC may carry (the batch entry point; the single-writer peer batches 250 per 10 ms, docs/benchmarks.md). */
export const MAX_RESERVE_BATCH = 250;
/**
 * Outbox rows copied to D1 per batch: D1 batches are one round trip each, with a fixed cost, and
 * a debounce's worth of a checkout burst (src/inventory/outbox.ts FLUSH_DEBOUNCE_MS) fits in one.
 */
export const OUTBOX_FLUSH_BATCH = 1000;
/**
 * The longest anything waits for one D1 call: the edge's reads and writes on a request's path
 * (worker/storage-errors.ts) and the outbox's batches (inventory/outbox.ts). A call that has not
 * answered by then fails as an outage does (503 `unavailable` on a request; a failed flush,
 * retried, for the outbox). D1 runs every query at one primary database, possibly a continent
 * away (a round trip of a few hundred ms), and an outbox batch carries up to OUTBOX_FLUSH_BATCH
 * events: 5 s is far past an answer that is merely slow, and is the Retry-After the 503 names
 * (docs/decisions/103-a-slow-database.md).
 */
export const D1_DEADLINE_MS = 5_000;
/**
 * How long a request waits for a D1 call whose answer it can do without: the stats' `eventual`
 * figure (null past it, as while D1 fails) and a create's catalogue row (the outbox writes it once
 * D1 answers). Far past a healthy answer from a distant
 * primary, a fifth of D1_DEADLINE_MS (worker/d1-budget.ts; docs/decisions/113-one-d1-budget-per-request.md).
 */
export const OPTIONAL_D1_WAIT_MS = 1_000;
/** How long after a failed flush the alarm tries again; it doubles with each failure in a row. */
export const OUTBOX_RETRY_MS = 1000;
/**
 * The longest wait between two flush attempts while D1 keeps failing: after D1
 * recovers, pending rows reach it at most this much later (docs/decisions/007-cold-path-d1-outages.md).
 */
export const OUTBOX_RETRY_MAX_MS = 5000;
/**
 * Outbox rows written → the object's alarm is set at most this far ahead, in the
 * same transaction. The debounce timer normally copies them first; the alarm is
 * what copies them after a crash or restart, since an alarm survives both and
 * wakes the object on its own.
 */
export const OUTBOX_ALARM_DELAY_MS = 1000;
/** A buyer session's lifetime unless SESSION_TTL_SECONDS says otherwise (docs/api.md: 20 minutes). */
export const DEFAULT_SESSION_TTL_SECONDS = 1200;
/**
 * How long a rejected reserve attempt's Idempotency-Key outcome is answered
 * again before the key is decided afresh (docs/decisions/009-idempotency-window.md).
 */
export const IDEMPOTENCY_REJECTED_SECONDS = 300;
/** Ended Idempotency-Key records one alarm run deletes; the rest go in the next run, at once. */
export const IDEMPOTENCY_PRUNE_BATCH = 1000;
/** Ended records wait up to this long for the alarm, so one run deletes many, not one each. */
export const IDEMPOTENCY_PRUNE_SLACK_MS = 10_000;

/**
 * How long an operator's reset `Idempotency-Key` is remembered, by the SKU's object and by the
 * reset keys' registry: a repeat within it answers the first reset's answer, after it the key
 * is new (docs/decisions/081-reset-idempotency-key.md).
 */
export const RESET_KEY_SECONDS = 24 * 60 * 60;

/**
 * Products on one page of GET /api/products (its largest `limit`, and the default): each is read
 * from its object, so a page costs that many object calls.
 */
export const MAX_PRODUCTS_LISTED = 100;

// ---- Rate limits (docs/rate-limits.md). Each can be
// overridden from the environment (src/shared/config.ts); RATE_LIMITS=off turns
// them all off. Counts are per RATE_LIMIT_WINDOW_SECONDS.

/** The window every rate limit counts over (tests shrink it). */
export const RATE_LIMIT_WINDOW_SECONDS = 60;
/** Reserve attempts per session per window, verified tier (the demo's 200/min allocate throttle, docs/rate-limits.md). */
export const RATE_LIMIT_RESERVE = 200;
/** Reserve attempts per session per window before it has read the product (FR-7 Tier 2 "new user", docs/rate-limits.md). */
export const RATE_LIMIT_RESERVE_NEW = 50;
/** Reserve attempts per session per window once flagged by a bot signal (FR-7 Tier 1 "suspected bot", docs/rate-limits.md). */
export const RATE_LIMIT_RESERVE_SUSPECTED = 1;
/** Write requests per IP per window, reserve attempts excepted (FR-7 layer 1, docs/rate-limits.md). */
export const RATE_LIMIT_WRITES = 100;
/** Read requests per IP per window (FR-7 layer 1, docs/rate-limits.md). */
export const RATE_LIMIT_READS = 1000;
/** Inventory resets per IP per window (docs/api.md, "Operator"). */
export const RATE_LIMIT_RESET = 1;
/** Sessions created per IP per window: a household or office at a drop's start fits, a session farm does not. */
export const RATE_LIMIT_SESSIONS = 30;
/**
 * Waiting-room places one IPv6 prefix (a /64 by default: one home line, one phone on a mobile
 * network, one VM) may hold in one room (tickets waiting or admitted): an office or a household
 * fits; a ticket farm needs a prefix per 25 tickets
 * (docs/decisions/130-idle-tickets-farms-and-a-session-ending-in-line.md). 0: no cap.
 */
export const RATE_LIMIT_ROOM_TICKETS = 25;
/**
 * The same for one IPv4 address: none by default, since a carrier-grade NAT puts thousands of
 * people behind one (docs/decisions/136-address-limits-that-spare-shared-networks.md). 0: no cap.
 */
export const RATE_LIMIT_ROOM_TICKETS_IPV4 = 0;
/**
 * Reserve attempts a session makes on its own demo sandbox per window, of those that reach its
 * object or D1 (the edge's unkeyed `sold_out` answers are not counted, as on any SKU): no tiers,
 * one count, kept by the sandbox's object. A whole guided demo sends such about 600 (one
 * allocation, two stampedes of 200, the units step 4's run meets), so it fits in one window; a
 * script's flood stops there (docs/decisions/163-a-sandbox-bounded.md).
 */
export const RATE_LIMIT_SANDBOX = 1000;
/**
 * The same per IP per window, all its sessions' own sandboxes together: a token bucket at the edge,
 * taken where the object or D1 is about to be asked. Three guided demos a minute behind one
 * address (docs/decisions/163-a-sandbox-bounded.md).
 */
export const RATE_LIMIT_SANDBOX_IP = 2000;
/**
 * Eventual mode's allocations a demo sandbox holds at most until its next reset: five times its
 * 100 units, so the demo's stampede of 200 can oversell twice over; past it an eventual attempt
 * is 409 `sold_out` and writes no row (docs/decisions/163-a-sandbox-bounded.md). The Worker
 * (worker/eventual.ts) and the in-browser mock (web/mock/eventual.ts) keep the same bound.
 */
export const SANDBOX_EVENTUAL_ALLOCATIONS_MAX = 500;
/** A bot flag lasts this many windows from the last attempt that raised it. */
export const RATE_LIMIT_FLAG_WINDOWS = 10;

/** OBJECT_CALLS_PER_SEC at most (0 turns the per-object limit simulation off, src/inventory/call-gate.ts). */
export const MAX_OBJECT_CALLS_PER_SEC = 100_000;

/**
 * How long a shard of a split SKU (inventory/room-shard-gate.ts) repeats a refusal's ticket without asking the coordinator
 * again: at most the shortest Retry-After of a 429 `queued`, so a buyer who
 * waits as told always gets a fresh answer, and a script that does not costs
 * the coordinator at most one call a second per session.
 */
export const QUEUED_MEMO_MS = 1000;
/**
 * Live viewers (WebSockets) one SKU object serves unless MAX_LIVE_SOCKETS says otherwise
 * (src/shared/config.ts); past the bound new viewers are refused and can poll (inventory/live.ts).
 * What they cost in workerd's memory: docs/capacity.md, "Live viewers and memory".
 */
export const DEFAULT_MAX_LIVE_SOCKETS = 5_000;
/**
 * Live viewers of one SKU from one client address unless MAX_LIVE_SOCKETS_PER_ADDRESS says
 * otherwise (inventory/live.ts). Sized for a NAT: an office or a classroom watching one drop, a
 * tab or two each, stays under it; one address holds 1 % of the default feed at most, so a script
 * needs 100 addresses to fill it (docs/decisions/128-live-feed-places-per-address.md).
 */
export const DEFAULT_MAX_LIVE_SOCKETS_PER_ADDRESS = 50;
/**
 * A live-feed socket that sent nothing (no keep-alive, no ask) for this long unless
 * LIVE_IDLE_SECONDS says otherwise may be closed to free its place (inventory/live.ts): five
 * times the storefront's keep-alive while in view, so a tab out of view for a few minutes keeps
 * its socket (docs/decisions/139-the-live-feeds-idle-places.md).
 */
export const DEFAULT_LIVE_IDLE_SECONDS = 300;
/** LIVE_IDLE_SECONDS at most: a day. */
export const LIVE_IDLE_SECONDS_CEILING = 86_400;
/**
 * MAX_LIVE_SOCKETS at most: Cloudflare's own ceiling of hibernatable WebSockets on one Durable
 * Object (32,768); a bound above it would promise viewers the platform refuses anyway.
 */
export const LIVE_SOCKETS_CEILING = 32_768;
