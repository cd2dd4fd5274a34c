"""What the config alone tells of a new incident (or a severity change) its remote would
refuse, checked before it is queued: ``incident-tui create``, the new-incident dialog and the
edit dialog ask here, so that nothing is queued only to be refused at the next sync."""

from __future__ import annotations

from incident_tui.config_remotes import AohImsRemote, FourhseRemote, KitehouseRemote, RemoteBase
from incident_tui.domain.model import Severity
from incident_tui.remote.aoh_ims_mapping import ImsMapping
from incident_tui.remote.errors import Refused
from incident_tui.remote.fourhse_mapping import office_refused


def create_refused(
    config: RemoteBase, container: str | None, severity: str | None
) -> str | None:
    """Why a new incident placed in ``container`` (``None``: the default) with ``severity``
    cannot be created on the remote of ``config``; ``None`` when, as far as the config tells,
    it can."""
    if isinstance(config, FourhseRemote):
        return office_refused(config, container)
    return severity_refused(config, severity)


def severity_refused(config: RemoteBase, severity: str | None) -> str | None:
    """Why ``severity`` cannot be written to an incident of the remote of ``config``;
    ``None`` when, as far as the config tells, it can."""
    # Kitehouse writes a severity as a priority id, which only the config can give.
    if isinstance(config, KitehouseRemote) and severity and not config.priority_id(severity):
        return config.no_priority_id(severity)
    # AOH IMS writes a code that reads back as the severity, which its severity_map can leave
    # none of.
    if isinstance(config, AohImsRemote) and severity:
        try:
            ImsMapping(config, kind=config.kind).severity_code(Severity(severity))
        except Refused as refused:
            return refused.message
    return None
