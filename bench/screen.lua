-- wrk script: POST /v1/screen with device tokens, cycling through caller numbers.
-- Tokens come from PEPPER_BENCH_TOKENS (one per line; each request takes the next),
-- numbers from PEPPER_BENCH_NUMBERS: a mix of reported, complained-about and unknown
-- callers.
local tokens = {}
for line in io.lines(os.getenv("PEPPER_BENCH_TOKENS")) do tokens[#tokens + 1] = line end
local numbers = {}
for line in io.lines(os.getenv("PEPPER_BENCH_NUMBERS")) do numbers[#numbers + 1] = line end
local i = 0
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
request = function()
  i = i + 1
  local number = numbers[(i % #numbers) + 1]
  wrk.headers["Authorization"] = "Bearer " .. tokens[(i % #tokens) + 1]
  return wrk.format(nil, "/v1/screen", nil, '{"number": "' .. number .. '"}')
end
