-- replay.lua - POST /v1/subscriptions again with the Idempotency-Key and the
-- parameters of a request that already succeeded (bench/run.sh made it in its
-- setup): every request is a replay, answered from the stored response with
-- Idempotent-Replayed: true, and creates nothing (run.sh checks the count of
-- subscriptions before and after).
--
-- run.sh sets BENCH_REPLAY_KEY and BENCH_REPLAY_BODY.
wrk.method = "POST"
wrk.path = "/v1/subscriptions"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
wrk.headers["Idempotency-Key"] = os.getenv("BENCH_REPLAY_KEY")
wrk.body = os.getenv("BENCH_REPLAY_BODY")
