"""The AOH IMS emulator's custom attribute routes: the metadata under
``/v1/incident/attributes`` (definitions, name to type) and the values under
``/v1/incident/{id}/attributes``, coerced to the metadata type (a ``null`` value clears one).
POST initialises a value and PUT edits one: POST on a value already set, or PUT on one not
set, answers 409 (``ATTRIBUTE_ALREADY_SET``, ``ATTRIBUTE_NOT_SET``).
"""

from __future__ import annotations

from incident_tui.emulators.aoh_ims_data import ATTRIBUTE_TYPES, coerce_attribute
from incident_tui.emulators.aoh_ims_requests import ImsRequests
from incident_tui.emulators.server import HttpError, Request, Response


class AttributeRoutes(ImsRequests):
    """Handlers for attribute metadata and attribute values."""

    attribute_meta: dict[str, str]
    """The attribute definitions: name to type (one of ``ATTRIBUTE_TYPES``)."""
    attribute_writes_bump_lock: bool
    """Whether a value write bumps ``occ_lock`` like an update."""

    def list_attribute_meta(self, request: Request) -> Response:
        """The attribute definitions."""
        self.caller(request)
        data = [{"name": name, "type": kind} for name, kind in self.attribute_meta.items()]
        return self._ok(data, "attributes retrieved")

    def create_attribute_meta(self, request: Request) -> Response:
        """Define an attribute ``{name, type}``."""
        self.caller(request)
        body = self._body(request)
        name = body.get("name") if isinstance(body, dict) else None
        kind = body.get("type") if isinstance(body, dict) else None
        errors = []
        if not isinstance(name, str) or not name.strip():
            errors.append("name is required")
        if kind not in ATTRIBUTE_TYPES:
            errors.append(f"type must be one of {', '.join(ATTRIBUTE_TYPES)}")
        if not errors and name in self.attribute_meta:
            errors.append(f"attribute {name} already exists")
        if errors:
            raise self._invalid(errors)
        assert isinstance(name, str) and isinstance(kind, str)
        self.attribute_meta[name] = kind
        return self._ok({"name": name, "type": kind}, "attribute created", 201)

    def delete_attribute_meta(self, request: Request) -> Response:
        """Remove a definition and every value of it."""
        self.caller(request)
        name = request.params["name"]
        if self.attribute_meta.pop(name, None) is None:
            raise self.fail(404, f"attribute {name} not found")
        for tenant in self.tenants.values():
            for row in tenant.incidents.values():
                values = row.get("attributes")
                if values and name in values:
                    del values[name]
                    row["attributes"] = values or None
        return self._ok(None, "attribute deleted")

    def set_attribute(self, request: Request) -> Response:
        """Initialise (POST, the value not set) or edit (PUT, set) one attribute value
        ``{name, value}``."""
        _, row, user = self._find(request)
        body = self._body(request)
        if not isinstance(body, dict) or not isinstance(body.get("name"), str):
            raise self._invalid(["name is required"])
        name = body["name"]
        if name not in self.attribute_meta:
            raise self._invalid([f"attribute {name} is not defined"])
        if "value" not in body:
            raise self._invalid(["value is required"])
        values = dict(row.get("attributes") or {})
        # POST initialises and PUT edits (contract 5.6): the wrong one for the value's state
        # is refused, as a server keeping the two apart would, so a client's choice shows.
        if request.method == "POST" and values.get(name) is not None:
            raise self._attribute_state(
                "attribute already set", f"attribute {name} already has a value: edit it with PUT",
                "ATTRIBUTE_ALREADY_SET",
            )
        if request.method == "PUT" and values.get(name) is None:
            raise self._attribute_state(
                "attribute not set", f"attribute {name} has no value: initialise it with POST",
                "ATTRIBUTE_NOT_SET",
            )
        if body["value"] is None:
            values.pop(name, None)
        else:
            try:
                values[name] = coerce_attribute(self.attribute_meta[name], body["value"])
            except ValueError as exc:
                raise self._invalid([str(exc)]) from None
        row["attributes"] = values or None
        if self.attribute_writes_bump_lock:
            row.update(occ_lock=row["occ_lock"] + 1, updated_at=self._stamp(), updated_by=user)
        status = 201 if request.method == "POST" else 200
        return self._ok(row, "attribute saved", status)

    def _attribute_state(self, message: str, detail: str, code: str) -> HttpError:
        """409 in the module's error format, with an ``errorCode`` as the lock conflict."""
        return HttpError(409, self._error(message, [detail], errorCode=code))
