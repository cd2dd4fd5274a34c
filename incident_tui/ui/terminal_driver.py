"""The TUI's driver on Linux and macOS terminals: Textual's own, taking the terminal again
on SIGCONT only after a suspension gave it back."""

from __future__ import annotations

from textual.drivers.linux_driver import LinuxDriver


class TerminalDriver(LinuxDriver):
    """Textual's ``LinuxDriver``, resuming only from a suspension.

    Textual (8.2.8) starts the application mode again on every SIGCONT. One that follows no
    suspension (``kill -STOP`` then ``kill -CONT``, or the kernel's SIGCONT after the
    SIGHUP of a hang-up) then started a second input thread and a second writer beside
    the running ones and blanked the screen; at the end, the reader left over kept the
    process from exiting, or the exit waited for it forever."""

    def resume_application_mode(self) -> None:
        """Take the terminal again, if a suspension gave it back (its writer stopped)."""
        writer = self._writer_thread
        # None: not started yet (a SIGCONT that early); alive: never suspended.
        if writer is None or writer.is_alive():
            return
        super().resume_application_mode()
