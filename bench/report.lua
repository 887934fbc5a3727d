-- report.lua - appended by bench/run.sh to every wrk script.
--
-- wrk's own summary rounds latencies to two decimals in mixed units; done()
-- sees the raw histogram (microseconds), so run.sh reads this one line instead:
--   BENCH <requests> <duration_us> <p50_us> <p99_us> <max_us> <non2xx> <socket_errors>
-- "non2xx" is wrk's "Non-2xx or 3xx responses" (status >= 400).
--
-- It also numbers wrk's threads from 1: a script's init() reads its thread's
-- number as the global thread_no (to make its keys or its offsets differ).
local threads = 0
function setup(thread)
	threads = threads + 1
	thread:set("thread_no", threads)
end

function done(summary, latency, requests)
	local e = summary.errors
	io.write(string.format("BENCH %d %d %d %d %d %d %d\n",
		summary.requests, summary.duration,
		latency:percentile(50), latency:percentile(99), latency.max,
		e.status, e.connect + e.read + e.write + e.timeout))
end
