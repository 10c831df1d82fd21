// Property tests (fast-check) state both bounds: how many cases they run (numRuns,
// in each fc.assert) and how long vitest lets them take (PROPERTY_TIMEOUT_MS, in
// each it). The count bounds the work; the timeout is far above what the count
// takes on an idle machine (a few seconds at most), so a shared, loaded one does
// not fail them on time alone. Runtime-neutral.

export const PROPERTY_TIMEOUT_MS = 120_000;
