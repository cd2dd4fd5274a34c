"""The Textual user interface: the only package that imports Textual.

Importing this package is free: it defines nothing, so ``import incident_tui.ui`` never pulls
Textual (or anything else) into a process that does not draw. The App and its factory are in
:mod:`incident_tui.ui.app`.
"""
