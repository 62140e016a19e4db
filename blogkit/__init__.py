"""blogkit: a static-site generator for bilingual (Chinese + English) technical blogs."""

from __future__ import annotations

__version__ = "0.1.0"
