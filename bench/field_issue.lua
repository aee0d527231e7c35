-- wrk script: POST /v1/field-issues; each accepted issue becomes a Sentry event.
local token = os.getenv("PEPPER_BENCH_TOKEN") or "pep_none"
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
wrk.body = '{"kind": "call_not_screened", "message": "onScreenCall never ran",'
  .. ' "app_version": "1.4.0", "os_name": "android", "os_version": "14",'
  .. ' "manufacturer": "Acme", "device_model": "Phone 7"}'

-- A fixed event rate, the same with and without Sentry: one issue every
-- PEPPER_BENCH_EVENT_DELAY_MS per connection (wrk's delay()), not as fast as possible.
local pause = tonumber(os.getenv("PEPPER_BENCH_EVENT_DELAY_MS") or "0")
if pause > 0 then
  delay = function() return pause end
end
