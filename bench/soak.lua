-- soak.lua - the mixed read/write load of bench/soak.sh.
--
-- Every wrk thread cycles through 20 request slots:
--   8  GET  /v1/customers/:id                 (a pool customer, round robin)
--   2  GET  /v1/invoices?limit=10
--   2  POST /v1/customers                     (a new customer)
--   2  POST /v1/subscriptions                 (a pool customer, pm_card_visa: charged)
--   1  POST /v1/invoices                      (a draft for a pool customer)
--   5  follow-ups, taken from the thread's queue (a GET of a customer when empty):
--        a draft invoice   -> POST /v1/invoiceitems (500, on that invoice)
--        its invoice item  -> POST /v1/invoices/:id/finalize
--        an open invoice   -> POST /v1/invoices/:id/pay (charged) or /void, in turn
--        a new subscription-> DELETE /v1/subscriptions/:id (canceled at once)
-- The queue is fed by response(), which reads the id and status of what each
-- write answered; 3 follow-ups per invoice and 1 per subscription make 5 per cycle,
-- so the queue stays short. Every request of the mix should succeed.
--
-- done() prints one line that soak.sh reads:
--   SOAK <requests> <duration_us> <p50_us> <p99_us> <max_us> <2xx> <4xx> <5xx> <socket_errors>
-- soak.sh sets BENCH_CUSTOMERS (a file, one customer id a line) and BENCH_PRICE.
-- One header table for every request: wrk.format(method, path, headers) would
-- replace wrk.headers, which hold the Authorization header from soak.sh.
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
local all_threads = {}
local threads = 0
function setup(thread)
	threads = threads + 1
	thread:set("thread_no", threads)
	table.insert(all_threads, thread)
end

local customers, price = {}, nil
local slot, n, paid = 0, 0, 0
local queue, head, tail = {}, 1, 0
ok, client_errors, server_errors = 0, 0, 0

function init(args)
	price = os.getenv("BENCH_PRICE")
	for cus in io.lines(os.getenv("BENCH_CUSTOMERS")) do
		customers[#customers + 1] = cus
	end
	n = (thread_no or 0) * 37
end

local function customer()
	n = n + 1
	return customers[n % #customers + 1]
end

local function post(path, body)
	return wrk.format("POST", path, nil, body)
end

local function get_customer()
	return wrk.format("GET", "/v1/customers/" .. customer())
end

local function push(req)
	tail = tail + 1
	queue[tail] = req
end

local function follow_up()
	if head > tail then
		return get_customer()
	end
	local req = queue[head]
	queue[head] = nil
	head = head + 1
	return req
end

function request()
	slot = slot % 20 + 1
	if slot <= 8 then
		return get_customer()
	elseif slot <= 10 then
		return wrk.format("GET", "/v1/invoices?limit=10")
	elseif slot <= 12 then
		return post("/v1/customers", "email=soak%40example.com&name=Soak")
	elseif slot <= 14 then
		return post("/v1/subscriptions", "customer=" .. customer() ..
			"&items%5B0%5D%5Bprice%5D=" .. price)
	elseif slot == 15 then
		return post("/v1/invoices", "customer=" .. customer() .. "&currency=usd")
	end
	return follow_up()
end

function response(status, headers, body)
	if status >= 500 then
		server_errors = server_errors + 1
		return
	elseif status >= 400 then
		client_errors = client_errors + 1
		return
	end
	ok = ok + 1
	local id = body:match('^{"id":"([%w_]+)"')
	if not id then
		return
	end
	local status_of = body:match('"status":"(%a+)"')
	if id:sub(1, 3) == "in_" then
		if status_of == "draft" then
			local cus = body:match('"customer":"(cus_%w+)"')
			push(post("/v1/invoiceitems", "customer=" .. cus .. "&invoice=" .. id ..
				"&amount=500&currency=usd"))
		elseif status_of == "open" then
			paid = paid + 1
			local action = paid % 2 == 0 and "/pay" or "/void"
			push(post("/v1/invoices/" .. id .. action, ""))
		end
	elseif id:sub(1, 3) == "ii_" then
		local inv = body:match('"invoice":"(in_%w+)"')
		if inv then
			push(post("/v1/invoices/" .. inv .. "/finalize", ""))
		end
	elseif id:sub(1, 4) == "sub_" and status_of == "active" then
		push(wrk.format("DELETE", "/v1/subscriptions/" .. id))
	end
end

function done(summary, latency, requests)
	local okn, c4, c5 = 0, 0, 0
	for _, t in ipairs(all_threads) do
		okn = okn + (t:get("ok") or 0)
		c4 = c4 + (t:get("client_errors") or 0)
		c5 = c5 + (t:get("server_errors") or 0)
	end
	local e = summary.errors
	io.write(string.format("SOAK %d %d %d %d %d %d %d %d %d\n",
		summary.requests, summary.duration,
		latency:percentile(50), latency:percentile(99), latency.max,
		okn, c4, c5, e.connect + e.read + e.write + e.timeout))
end
