"""A provisioner that acts by itself (as a real system would) and records what it was asked."""

from requests_app.implementation.provisioner import StepResult


class RecordingProvisioner:
    name = "recording"
    manual = False
    calls: list = []

    def _do(self, action, **kwargs):
        self.calls.append((action, kwargs))
        return StepResult(done=True, detail=action, data={"system": "recording"})

    def create_desktop(self, **kw):
        return self._do("create_desktop", **kw)

    def create_account(self, **kw):
        return self._do("create_account", **kw)

    def install_software(self, **kw):
        return self._do("install_software", **kw)

    def mount_delivery(self, **kw):
        return self._do("mount_delivery", **kw)

    def remove_access(self, **kw):
        return self._do("remove_access", **kw)

    def destroy(self, **kw):
        return self._do("destroy", **kw)
