-- create_subscription.lua - POST /v1/subscriptions for an existing customer,
-- as Stripe's API creates one: customer=<id>&items[0][price]=<price>, no
-- Idempotency-Key (post_idem measures what a key adds). The customers are
-- bench/run.sh's pool (BENCH_POOL, default 256), each with pm_card_visa as its
-- invoice_settings.default_payment_method; requests take them round robin,
-- each wrk thread starting at its own offset. One request creates the
-- subscription and its item, invoices the first month (10.00 USD), finalizes
-- the invoice, charges the card through the sandbox gateway (payment intent,
-- charge, gateway record), marks the invoice paid, posts the ledger entries and
-- appends the events, all in one transaction, and answers the subscription.
--
-- run.sh sets BENCH_CUSTOMERS (a file, one customer id a line) and BENCH_PRICE.
wrk.method = "POST"
wrk.path = "/v1/subscriptions"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"

local bodies, n = {}, 0
function init(args)
	local price = os.getenv("BENCH_PRICE")
	for cus in io.lines(os.getenv("BENCH_CUSTOMERS")) do
		bodies[#bodies + 1] = "customer=" .. cus .. "&items%5B0%5D%5Bprice%5D=" .. price
	end
	n = (thread_no or 0) * 37
end

function request()
	n = n + 1
	wrk.body = bodies[n % #bodies + 1]
	return wrk.format()
end
