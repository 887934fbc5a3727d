-- post_customer.lua - POST /v1/customers with a form body, no Idempotency-Key.
-- The Authorization header comes from run.sh (wrk -H).
wrk.method = "POST"
wrk.path = "/v1/customers"
wrk.body = "email=bench%40example.com&name=Bench"
wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
