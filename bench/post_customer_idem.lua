-- post_customer_idem.lua - POST /v1/customers with a fresh Idempotency-Key on
-- every request, as Stripe's SDKs send one on every POST. Every key is new, so
-- each request pays the claim (INSERT), the mark-done inside the transaction
-- and the response store (UPDATE); none is a replay.
--
-- Keys are unique across wrk threads (thread number) and across runs against
-- the same database (BENCH_RUN, set by run.sh).
wrk.method = "POST"
wrk.path = "/v1/customers"
wrk.body = "email=bench%40example.com&name=Bench"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

local prefix, n = nil, 0
function init(args)
	prefix = string.format("bench-%s-%d-", os.getenv("BENCH_RUN") or os.time(), thread_no or 0)
end

function request()
	n = n + 1
	wrk.headers["Idempotency-Key"] = prefix .. n
	return wrk.format()
end
