-- wrk script: POST signed /twilio/voice webhooks. Each line of PEPPER_BENCH_REQUESTS is
-- "<X-Twilio-Signature>\t<form body>", signed beforehand with the twilio SDK.
local requests = {}
for line in io.lines(os.getenv("PEPPER_BENCH_REQUESTS")) do
  local signature, body = line:match("^(.-)\t(.*)$")
  requests[#requests + 1] = {signature, body}
end
local i = 0
request = function()
  i = i + 1
  local r = requests[(i % #requests) + 1]
  return wrk.format("POST", "/twilio/voice", {
    ["Content-Type"] = "application/x-www-form-urlencoded",
    ["X-Twilio-Signature"] = r[1],
  }, r[2])
end
