"""The baseline of the HTTP benchmarks: a bare Flask JSON endpoint, nothing else.

Served by the same gunicorn configuration as Pepper, so the ratio of the two
throughputs is the cost of Pepper's own work (auth, lookups, policy, rate limits).
"""

from flask import Flask, jsonify

app = Flask("bare")

BODY = {
    "action": "allow",
    "label": None,
    "category": None,
    "score": 0.15,
    "reasons": [{"code": "no_history", "detail": "No recent reports or complaints"}],
    "decision_id": "0" * 32,
    "model_version": "reputation-v1",
    "cache_ttl_s": 3600,
    "degraded": False,
    "android": {"disallow": False, "reject": False, "silence": False},
}


@app.post("/v1/screen")
def screen():  # type: ignore[no-untyped-def]
    return jsonify(BODY)


TWIML = (
    '<?xml version="1.0" encoding="UTF-8"?><Response><Dial answerOnBridge="true"'
    ' callerId="+12025550143" timeout="25"><Number>+14155550111</Number></Dial></Response>'
)


@app.post("/twilio/voice")
def voice():  # type: ignore[no-untyped-def]
    return app.response_class(TWIML, mimetype="text/xml")
