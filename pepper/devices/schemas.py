from __future__ import annotations

import phonenumbers
from marshmallow import Schema, fields, validate

# Regions phonenumbers can dial from; anything else could not normalize the device's calls.
REGION = validate.OneOf(
    sorted(phonenumbers.SUPPORTED_REGIONS), error="a supported ISO 3166 region such as US"
)
SENSITIVITY = validate.OneOf(["low", "normal", "high"])
WITHHELD = validate.OneOf(["allow", "silence", "block"])


class DeviceIn(Schema):
    platform = fields.String(required=True, validate=validate.OneOf(["android", "ios"]))
    app_version = fields.String(required=True, validate=validate.Length(1, 32))
    os_version = fields.String(required=True, validate=validate.Length(1, 32))
    device_model = fields.String(required=True, validate=validate.Length(1, 64))
    default_region = fields.String(required=True, validate=REGION)
    sensitivity = fields.String(load_default="normal", validate=SENSITIVITY)
    withheld_action = fields.String(load_default="allow", validate=WITHHELD)
    own_number = fields.String(load_default=None, allow_none=True, validate=validate.Length(1, 40))


class DeviceUpdate(Schema):
    sensitivity = fields.String(validate=SENSITIVITY)
    withheld_action = fields.String(validate=WITHHELD)
    own_number = fields.String(allow_none=True, validate=validate.Length(1, 40))
    app_version = fields.String(validate=validate.Length(1, 32))
    os_version = fields.String(validate=validate.Length(1, 32))


class DeviceOut(Schema):
    id = fields.Integer(required=True)
    platform = fields.String(required=True)
    app_version = fields.String(required=True)
    os_version = fields.String(required=True)
    device_model = fields.String(required=True)
    default_region = fields.String(required=True)
    sensitivity = fields.String(required=True)
    withheld_action = fields.String(required=True)
    own_number = fields.String(allow_none=True)
    created_at = fields.DateTime(required=True)


class RegisteredOut(Schema):
    device = fields.Nested(DeviceOut, required=True)
    token = fields.String(required=True, metadata={"description": "shown only once"})
