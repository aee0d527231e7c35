-- wrk script: POST /v1/screen with a device token, cycling through caller numbers.
-- The token comes from the environment (PEPPER_BENCH_TOKEN), numbers from a mix of
-- reported, complained-about and unknown callers.
local token = os.getenv("PEPPER_BENCH_TOKEN") or "pep_none"
local numbers = {}
for line in io.lines(os.getenv("PEPPER_BENCH_NUMBERS")) do numbers[#numbers + 1] = line end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. token
request = function()
  i = i + 1
  local number = numbers[(i % #numbers) + 1]
  return wrk.format(nil, "/v1/screen", nil, '{"number": "' .. number .. '"}')
end
